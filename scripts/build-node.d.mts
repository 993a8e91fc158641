/** `dist/main.js`, relative to the project root. */
export declare const NODE_BUNDLE: string
/** Builds `<root>/dist/main.js` and its source map; returns the bundle's path. */
export declare function buildNodeBundle(root: string): Promise<string>
/** The bundle, built again only when `src/`, package.json or tsconfig.json changed after it; returns its path. */
export declare function freshNodeBundle(root: string): Promise<string>
