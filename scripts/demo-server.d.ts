/** Types for scripts/demo-server.js (plain CommonJS, so `node scripts/demo-server.js` runs it unbuilt). */

export interface DemoServerOptions {
  /** Folder to serve (the web build is dist/web). */
  root: string;
  /** Interface to listen on; default 127.0.0.1 (this computer only). */
  host?: string;
  /** Default 8080; 0 = any free port. */
  port?: number;
  /** Send COOP/COEP/CORP so the page is cross-origin isolated (wasm threads); default true. */
  isolated?: boolean;
  /** Receives a warning when root has no index.html, and one `METHOD url status` line per request. */
  log?: (line: string) => void;
  /**
   * A models folder in the CLI's layout: its catalog models are offered to the page from this server
   * (`models/catalog.json` with a same-origin first source for each); throws when it is not a folder.
   */
  modelsDir?: string;
}

export interface DemoServer {
  /** e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops listening and ends open keep-alive connections. */
  close(): Promise<void>;
}

/** Starts the static server; rejects with the listen error (EADDRINUSE…) when the port cannot be bound. */
export declare function startDemoServer(options: DemoServerOptions): Promise<DemoServer>;

/** A single `bytes=` range against a file of `size` bytes: null = serve it whole, 'unsatisfiable' = 416. */
export declare function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null;

/** Maps a request target to a file under the absolute `root`, or the status to refuse it with. */
export declare function resolveTarget(root: string, target: string): { file: string } | { status: number };
