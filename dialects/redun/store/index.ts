// Reading redun's own store, read-only: where it is, a consistent snapshot while redun writes, its
// pickled values decoded, and `redun log`'s text.
export * from "./locate";
export * from "./snapshot";
export * from "./pickle";
export * from "./repr";
export * from "./reader";
export * from "./log";
