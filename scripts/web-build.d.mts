// Types of scripts/web-build.mjs for the TypeScript tests that import it.
export interface WebBuildResult {
  /** 'bundled' once web/src/main.ts exists; 'copied' for the placeholder page before it. */
  mode: 'bundled' | 'copied';
  /** Files written under outDir, relative, sorted. */
  files: string[];
  /** Hashed script name, e.g. app.0123456789.js (bundled only). */
  app?: string;
  /** Hashed stylesheet name, e.g. styles.0123456789.css (bundled only). */
  styles?: string;
}

export function buildWeb(options?: { srcDir?: string; outDir?: string }): Promise<WebBuildResult>;
