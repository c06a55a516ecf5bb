// The package version, set at build time (scripts/build.mjs) so that every build layout knows it.
declare const __TASKLENS_VERSION__: string;
export const VERSION: string = typeof __TASKLENS_VERSION__ === "string" ? __TASKLENS_VERSION__ : "0.0.0-dev";
