/** Every way a photo can fail to decode, as one error with a short reason a person can act on. */

export type DecodeErrorKind = 'empty' | 'not-image' | 'corrupt' | 'too-large' | 'unreadable' | 'unsupported';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeErrorKind,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'DecodeError';
  }
}
