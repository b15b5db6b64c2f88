/**
 * Groups without chains (average linkage). Pairs at or above the threshold, best first, join their
 * photos' groups only when the two groups are alike *on average* — the mean likeness over every
 * pair across them is at least the threshold too. Plain union-find would let one borderline pair
 * (two burst shots, two photos of one beach) chain two groups of copies into one false group.
 * Measured with `bench duplicates` (mini-ImageNet val, dim-photo-both at 28 epochs): pair F1 0.933 →
 * 0.955 at the default threshold, and ≥ 0.95 from 0.74 to 0.78 instead of only at 0.79.
 *
 * The mean is exact and cheap: the likeness is linear in the codes' dot product and the layouts' dot
 * product (both unit vectors), so the mean over A × B is likeness(ΣA·ΣB / |A||B|, ΣLA·ΣLB / |A||B|)
 * with each group's sums of codes and of layouts, whatever the groups' sizes.
 */
import { likeness } from '../../ml/eval/likeness';

interface Sums {
  code: Float64Array;
  layout: Float64Array;
}

export class AlikeGroups {
  private readonly root: Int32Array;
  private readonly members = new Map<number, number[]>();
  /** Sums of codes and layouts of each group of two or more (a single photo uses its own vectors). */
  private readonly sums = new Map<number, Sums>();

  /**
   * `codeOf(i)` and `layoutOf(i)`: photo i's unit code and colour layout, of `lengths` (null: missing,
   * counts as zeros, as `likeness` counts a missing layout as no match).
   */
  constructor(
    n: number,
    private readonly lengths: { code: number; layout: number },
    private readonly codeOf: (i: number) => Float32Array | null,
    private readonly layoutOf: (i: number) => Float32Array | null,
  ) {
    this.root = Int32Array.from({ length: n }, (_, i) => i);
  }

  groupOf(i: number): number {
    return this.root[i]!;
  }

  /** Join i's and j's groups whatever their likeness (byte-identical files). */
  join(i: number, j: number): void {
    const a = this.root[i]!;
    const b = this.root[j]!;
    if (a !== b) this.merge(a, b);
  }

  /**
   * Join i's and j's groups if they are alike on average (`pairLikeness` is the pair's own, already
   * measured: two single photos join on it alone). Returns whether they are now one group.
   */
  joinIfAlike(i: number, j: number, pairLikeness: number, threshold: number): boolean {
    const a = this.root[i]!;
    const b = this.root[j]!;
    if (a === b) return true;
    const alone = !this.members.has(a) && !this.members.has(b);
    if (!(alone ? pairLikeness >= threshold : this.meanLikeness(a, b) >= threshold)) return false;
    this.merge(a, b);
    return true;
  }

  /** The groups with at least `minSize` photos, each as its members. */
  sets(minSize = 2): number[][] {
    return [...this.members.values()].filter((m) => m.length >= minSize).map((m) => [...m]);
  }

  private membersOf(group: number): number[] {
    return this.members.get(group) ?? [group];
  }

  private meanLikeness(a: number, b: number): number {
    const pairs = this.membersOf(a).length * this.membersOf(b).length;
    return likeness(this.sumDot(a, b, 'code') / pairs, this.sumDot(a, b, 'layout') / pairs);
  }

  private vectorOf(group: number, kind: keyof Sums): ArrayLike<number> | null {
    const sums = this.sums.get(group);
    if (sums) return sums[kind];
    return kind === 'code' ? this.codeOf(group) : this.layoutOf(group);
  }

  private sumDot(a: number, b: number, kind: keyof Sums): number {
    const va = this.vectorOf(a, kind);
    const vb = this.vectorOf(b, kind);
    if (!va || !vb) return 0;
    let s = 0;
    for (let d = 0; d < va.length; d++) s += va[d]! * vb[d]!;
    return s;
  }

  private merge(a: number, b: number): void {
    // The larger group absorbs the smaller: each photo is relabelled O(log n) times at most.
    if (this.membersOf(a).length < this.membersOf(b).length) [a, b] = [b, a];
    const into = this.sumsOf(a);
    for (const kind of ['code', 'layout'] as const) {
      const add = this.vectorOf(b, kind);
      if (add) for (let d = 0; d < into[kind].length; d++) into[kind][d]! += add[d]!;
    }
    const joined = this.members.get(a) ?? [a];
    for (const m of this.membersOf(b)) {
      this.root[m] = a;
      joined.push(m);
    }
    this.members.set(a, joined);
    this.members.delete(b);
    this.sums.delete(b);
  }

  /** Group a's sums, made from its one photo the first time it grows. */
  private sumsOf(a: number): Sums {
    let sums = this.sums.get(a);
    if (!sums) {
      sums = { code: new Float64Array(this.lengths.code), layout: new Float64Array(this.lengths.layout) };
      for (const kind of ['code', 'layout'] as const) {
        const own = this.vectorOf(a, kind);
        if (own) sums[kind].set(own);
      }
      this.sums.set(a, sums);
    }
    return sums;
  }
}
