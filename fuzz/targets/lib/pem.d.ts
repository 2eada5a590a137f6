/** Fixture files are embedded into the bundles as text by tools/fuzz/build.mjs (esbuild `text` loader). */
declare module '*.pem' {
  const text: string;
  export default text;
}
declare module '*.hex' {
  const text: string;
  export default text;
}
