import { existsSync, readFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TraceMap, originalPositionFor, type SourceMapInput } from '@jridgewell/trace-mapping';
import { getSession, post } from '../v8/inspector-session';
import type { ScriptPosition } from '../v8/call-frame';

export type { ScriptPosition };

export interface OriginalPosition {
  filename: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

const MAP_COMMENT = /\/[*/][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/m;

/** `file:///a/b.js` to `/a/b.js`; other URLs (`node:fs`, `evalmachine.<anonymous>`) stay as they are. */
export function urlToFilename(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

const isFilePath = isAbsolute;

function loadMap(sourceMapUrl: string, scriptFilename: string): TraceMap | null {
  try {
    if (sourceMapUrl.startsWith('data:')) {
      const comma = sourceMapUrl.indexOf(',');
      const body = sourceMapUrl.slice(comma + 1);
      const json = /;base64$/.test(sourceMapUrl.slice(0, comma)) ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
      return new TraceMap(json as SourceMapInput, pathToFileURL(scriptFilename).href);
    }
    const mapFile = sourceMapUrl.startsWith('file://') ? fileURLToPath(sourceMapUrl) : resolve(dirname(scriptFilename), sourceMapUrl);
    return new TraceMap(readFileSync(mapFile, 'utf8') as SourceMapInput, pathToFileURL(mapFile).href);
  } catch {
    return null; // a broken map is no map: show the generated position
  }
}

export interface SourceMapperOptions {
  /**
   * Map files of transformed code by the transformed file's path (Jest's runtime keeps them: its
   * `getSourceMaps()`). When given, the debugger is not asked: replaying every script of a Jest
   * worker to it cost 20-30 ms per test file.
   */
  mapFiles?: ReadonlyMap<string, string>;
}

/**
 * Maps positions of transformed code (tsc, ts-jest, babel-jest, tsx) back to the original source.
 * Maps come, in order, from the map files given (Jest's, for the files it transformed), Node's own
 * cache (`--enable-source-maps`), the script's `sourceMappingURL` comment on disk, or, when no map
 * files were given, the debugger's view of the script as it was compiled.
 */
export class SourceMapper {
  private readonly maps = new Map<string, TraceMap | null>();
  private readonly askedDebugger = new Set<string>();

  constructor(private readonly options: SourceMapperOptions = {}) {}

  /** Looks up maps for many scripts at once, so the debugger is asked at most once per batch. */
  prepare(positions: Iterable<ScriptPosition>): void {
    const missing = new Map<string, string>();
    for (const p of positions) {
      const filename = urlToFilename(p.url);
      if (!isFilePath(filename) || this.maps.get(p.scriptId)) continue;
      if (!this.maps.has(p.scriptId)) this.maps.set(p.scriptId, this.mapFromNodeOrDisk(filename));
      if (this.maps.get(p.scriptId) === null && !this.askedDebugger.has(p.scriptId)) missing.set(p.scriptId, filename);
    }
    if (missing.size > 0 && !this.options.mapFiles) this.askDebugger(missing);
  }

  original(p: ScriptPosition): OriginalPosition {
    const filename = urlToFilename(p.url);
    const generated = { filename, line: p.lineNumber + 1, column: p.columnNumber + 1 };
    if (!isFilePath(filename) || p.lineNumber < 0) return generated;
    if (!this.maps.has(p.scriptId)) this.prepare([p]);
    const map = this.maps.get(p.scriptId);
    if (!map) return generated;
    const found = originalPositionFor(map, { line: p.lineNumber + 1, column: Math.max(0, p.columnNumber) });
    if (found.source === null || found.line === null) return generated;
    const source = urlToFilename(found.source);
    // a package that ships its maps without its sources (node_modules/marked/src/Lexer.ts): the
    // file that runs is one the user can open
    if (isFilePath(source) && !this.exists(source)) return generated;
    return { filename: source, line: found.line, column: (found.column ?? 0) + 1 };
  }

  private readonly existing = new Map<string, boolean>();

  private exists(file: string): boolean {
    let found = this.existing.get(file);
    if (found === undefined) {
      found = existsSync(file);
      this.existing.set(file, found);
    }
    return found;
  }

  private mapFromNodeOrDisk(filename: string): TraceMap | null {
    const mapFile = this.options.mapFiles?.get(filename);
    if (mapFile) {
      try {
        // Jest's cache keeps the map away from the source; its relative `sources` are relative to the source
        return new TraceMap(readFileSync(mapFile, 'utf8') as SourceMapInput, pathToFileURL(filename).href);
      } catch {
        return null;
      }
    }
    const cached = findSourceMap(filename);
    if (cached) return new TraceMap(cached.payload as SourceMapInput, pathToFileURL(filename).href);
    if (!/\.[cm]?js$/.test(filename)) return null;
    try {
      const text = readFileSync(filename, 'utf8');
      const match = MAP_COMMENT.exec(text.slice(-4096)) ?? (text.length > 4096 ? null : MAP_COMMENT.exec(text));
      return match?.[1] ? loadMap(match[1], filename) : null;
    } catch {
      return null;
    }
  }

  private askDebugger(missing: Map<string, string>): void {
    const session = getSession();
    const found = new Map<string, string>();
    const onScript = (message: { params: { scriptId: string; sourceMapURL?: string } }): void => {
      const { scriptId, sourceMapURL } = message.params;
      if (sourceMapURL && missing.has(scriptId)) found.set(scriptId, sourceMapURL);
    };
    session.on('Debugger.scriptParsed', onScript);
    try {
      // Enabling replays scriptParsed for every script already compiled, synchronously.
      post('Debugger.enable');
      post('Debugger.disable');
    } catch {
      // no debugger in this process: generated positions it is
    } finally {
      session.off('Debugger.scriptParsed', onScript);
    }
    for (const [scriptId, filename] of missing) {
      this.askedDebugger.add(scriptId);
      const url = found.get(scriptId);
      if (url) this.maps.set(scriptId, loadMap(url, filename));
    }
  }
}
