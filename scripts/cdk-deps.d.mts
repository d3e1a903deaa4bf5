// Declarations of scripts/cdk-deps.mjs for the TypeScript that imports it (test/support/global-setup.ts).
export declare const CDK_DIR: string;
export declare const INSTALL_COMMAND: string;
/** What is wrong with cdk/node_modules, or undefined when it holds what cdk/package-lock.json names. */
export declare function cdkDepsProblem(dir?: string): string | undefined;
/** Installs the CDK app's packages when needed (true when it did); throws with the command to run when that fails. */
export declare function ensureCdkDeps(options?: { dir?: string; log?: (line: string) => void }): boolean;
