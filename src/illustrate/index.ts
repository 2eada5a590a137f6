/**
 * `puredtls illustrate`: one handshake, captured and explained byte by
 * byte. {@link illustrate} runs it (the project's client against a server,
 * or against the project's own server with `self`) and returns the
 * annotated {@link Illustration}; {@link renderIllustration} makes the page.
 */
import { resolveProvider } from '../options.js';
import { buildIllustration } from './annotate.js';
import { type CaptureOptions, captureHandshake } from './capture.js';
import type { Illustration } from './model.js';

export { renderIllustration } from './html.js';
export { buildIllustration, type Captured } from './annotate.js';
export type { CaptureOptions } from './capture.js';
export * from './model.js';

export async function illustrate(options: CaptureOptions): Promise<Illustration> {
  const cap = await captureHandshake(options);
  const il = buildIllustration({
    title: cap.title, startedAt: cap.startedAt, captured: cap.captured, keylog: cap.keylog,
    provider: resolveProvider(options.crypto), ...(options.psk && { psk: options.psk.key }),
  });
  return { ...il, notes: [...cap.notes, ...il.notes] };
}
