/**
 * Launches Debian's Chromium through playwright-core, headless, with or without WebGPU on
 * SwiftShader, in a fresh temporary profile that is deleted on close. Test and benchmark tooling
 * only — not part of the webgrad package. Never downloads a browser (no `playwright install`).
 *
 * What works here (Chromium 156, Debian 12, no GPU), found by probing:
 * - `--enable-unsafe-webgpu` is what makes `navigator.gpu.requestAdapter()` return an adapter at
 *   all on Linux; `--use-webgpu-adapter=swiftshader` then picks SwiftShader explicitly (adapter
 *   info: vendor "google", architecture "swiftshader", isFallbackAdapter true).
 *   `--enable-features=Vulkan` is not needed (same adapter with or without it).
 * - Without `--enable-unsafe-webgpu`, `navigator.gpu` still exists (WebGPU ships in Chromium on
 *   Linux) but `requestAdapter()` resolves to null and the console says "No available adapters."
 *   `--disable-gpu`, `--disable-features=WebGPU` and `--disable-blink-features=WebGPU` change
 *   nothing on top of that, and none of them removes `navigator.gpu` or beats
 *   `--enable-unsafe-webgpu`. So "WebGPU disabled" = launch without the WebGPU flags.
 * - `navigator.gpu` is absent (undefined) on a non-secure origin: use `hostAliases` to give the
 *   local server a non-localhost name, e.g. http://webgrad.test:PORT/. http://127.0.0.1 and
 *   http://localhost are secure and get the adapter.
 * - Playwright adds its own switches before ours (among them --no-sandbox, --enable-unsafe-swiftshader,
 *   --disable-dev-shm-usage and one --enable-features/--disable-features list each; passing another
 *   --enable-features in `extraArgs` may replace Playwright's list), and Debian's /usr/bin/chromium
 *   wrapper adds a few more (it also prints a harmless "[: … unexpected operator" line).
 *
 * @example
 * const browser = await launchChromium({ webgpu: true });
 * try {
 *   const page = await browser.newPage();
 *   await page.goto(`${server.origin}/test/fixtures/browser/bundle.html`);
 * } finally {
 *   await browser.close();
 * }
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/** Debian's chromium package; override with the CHROMIUM_PATH environment variable. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Always passed: headless, quiet, nothing fetched from the network, no first-run UI. */
export const BASE_FLAGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Added when `webgpu: true`: WebGPU on SwiftShader (Chromium's Vulkan-on-CPU driver). */
export const WEBGPU_FLAGS: readonly string[] = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export interface LaunchOptions {
  /** true: WebGPU on SwiftShader. false: no WebGPU flags, so requestAdapter() resolves to null. */
  webgpu: boolean;
  /** Chromium binary (default $CHROMIUM_PATH or /usr/bin/chromium). */
  executablePath?: string;
  /** More command-line flags, appended after the defaults. */
  extraArgs?: string[];
  /**
   * Host names resolved to 127.0.0.1 (via --host-resolver-rules), e.g. ['webgrad.test'] — a
   * non-secure origin for checking behaviour without `navigator.gpu`.
   */
  hostAliases?: string[];
  /** Page viewport (default 1280×800, a laptop screen). */
  viewport?: { width: number; height: number };
  /**
   * Where console messages, page errors and failed requests go (default: process.stderr with a
   * "[chromium]" prefix). Pass `null` to only collect them in `logs`.
   */
  forward?: ((line: string) => void) | null;
  /** Launch timeout in ms (default 30 000). */
  timeoutMs?: number;
}

export interface BrowserLogEntry {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'crash';
  /** For console entries: log, warning, error, … */
  type?: string;
  text: string;
  url?: string;
}

export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** The browser's version string, e.g. "156.0.8078.108". */
  readonly version: string;
  /** Every flag Chromium was started with (beyond Playwright's own). */
  readonly args: readonly string[];
  /** Console messages, uncaught page errors, failed requests and crashes from every page. */
  readonly logs: BrowserLogEntry[];
  /** Uncaught exceptions in pages (the `pageerror` entries of `logs`). */
  pageErrors(): BrowserLogEntry[];
  /** A new page (tab) whose console and errors are forwarded. */
  newPage(): Promise<Page>;
  /** Closes the browser and deletes the temporary profile. Idempotent. */
  close(): Promise<void>;
}

/** The Chromium binary that `launchChromium` would use, or null when there is none. */
export function findChromium(executablePath?: string): string | null {
  const path = executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
  return existsSync(path) ? path : null;
}

/** The command-line flags for a launch (exported so reports can print them). */
export function chromiumArgs(options: Pick<LaunchOptions, 'webgpu' | 'extraArgs' | 'hostAliases'>): string[] {
  const args = [...BASE_FLAGS, ...(options.webgpu ? WEBGPU_FLAGS : [])];
  if (options.hostAliases?.length) args.push(`--host-resolver-rules=${options.hostAliases.map((h) => `MAP ${h} 127.0.0.1`).join(',')}`);
  return [...args, ...(options.extraArgs ?? [])];
}

/** Starts headless Chromium in a fresh temporary profile. Throws with a clear message when it cannot. */
export async function launchChromium(options: LaunchOptions): Promise<LaunchedChromium> {
  const requested = options.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
  const executablePath = findChromium(requested);
  if (!executablePath) {
    throw new Error(`Chromium not found at ${requested}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  const args = chromiumArgs(options);
  const forward = options.forward === undefined ? (line: string) => process.stderr.write(`[chromium] ${line}\n`) : options.forward;
  const logs: BrowserLogEntry[] = [];
  const record = (e: BrowserLogEntry) => {
    logs.push(e);
    forward?.(`${e.kind}${e.type ? `:${e.type}` : ''} ${e.text}${e.url ? ` (${e.url})` : ''}`);
  };

  // Playwright refuses --user-data-dir in args; a persistent context is how a profile dir is chosen.
  const userDataDir = mkdtempSync(join(tmpdir(), 'webgrad-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      // We pass --headless=new ourselves; Playwright's `headless: true` would add its own flag.
      headless: false,
      args,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      timeout: options.timeoutMs ?? 30_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(`Chromium (${executablePath}) failed to launch with ${args.join(' ')}: ${(e as Error).message}`);
  }

  const watch = (page: Page) => {
    page.on('console', (m: ConsoleMessage) => record({ kind: 'console', type: m.type(), text: m.text(), url: m.location().url || undefined }));
    page.on('pageerror', (err) => record({ kind: 'pageerror', text: err.stack ?? String(err), url: page.url() }));
    page.on('requestfailed', (r) => record({ kind: 'requestfailed', text: `${r.method()} ${r.failure()?.errorText ?? 'failed'}`, url: r.url() }));
    page.on('response', (r) => {
      if (r.status() >= 400) record({ kind: 'requestfailed', text: `HTTP ${r.status()}`, url: r.url() });
    });
    page.on('crash', () => record({ kind: 'crash', text: 'page crashed', url: page.url() }));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);

  let version = context.browser()?.version() ?? '';
  if (!version) {
    // A persistent context has no Browser object; ask the DevTools protocol instead.
    const session = await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
    const v = (await session.send('Browser.getVersion')) as { product: string };
    version = v.product.replace(/^[^/]*\//, '');
    await session.detach();
  }

  let closing: Promise<void> | undefined;
  return {
    context,
    version,
    args,
    logs,
    pageErrors: () => logs.filter((l) => l.kind === 'pageerror'),
    async newPage() {
      // The persistent context opens with one blank tab; hand that out first.
      const blank = context.pages().find((p) => p.url() === 'about:blank' && !claimed.has(p));
      const page = blank ?? (await context.newPage());
      claimed.add(page);
      return page;
    },
    close() {
      closing ??= context
        .close()
        .catch(() => undefined)
        .finally(() => rmSync(userDataDir, { recursive: true, force: true }));
      return closing;
    },
  };
}
const claimed = new WeakSet<Page>();
