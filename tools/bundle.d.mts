/** Types of tools/bundle.mjs, for test/bundle/bundle.test.ts. */
export interface BundleApp {
  readonly name: 'server' | 'client' | 'both';
  readonly label: string;
}
export interface Bundler {
  readonly name: 'esbuild-esm' | 'esbuild-cjs' | 'webpack';
  readonly label: string;
  readonly ext: string;
}
/** One bundle written by {@link buildAll}; the CLI's have app `cli`. */
export interface BuiltBundle {
  readonly app: BundleApp['name'] | 'cli';
  readonly bundler: Bundler['name'];
  readonly file: string;
  readonly bytes: number;
  readonly gzip: number;
}
export const APPS: readonly BundleApp[];
export const BUNDLERS: readonly Bundler[];
export function buildAll(outDir: string, options?: { bundlers?: readonly Bundler['name'][] }): Promise<BuiltBundle[]>;
export function sizeTable(bundles: readonly BuiltBundle[]): string;
export const TABLE_START: string;
export const TABLE_END: string;
export function readmeTable(readme: string): string | undefined;
export function tableFigures(table: string): number[];
