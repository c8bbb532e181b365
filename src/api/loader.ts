// Manifest loader: reads YAML (multi-document) and JSON files or directories into plain objects, and keeps
// each document's syntax tree so any field path maps back to file:line:column. Parsing follows Kubernetes'
// YAML 1.1 reading (`yes` is true, `0755` is octal) except that dates stay strings, as they do in Kubernetes.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { parseAllDocuments, LineCounter, isMap, isSeq, isPair, isScalar } from 'yaml';
import type { Document, Node as YamlNode, Pair, Tags, DocumentOptions, ParseOptions, SchemaOptions } from 'yaml';
import type { FieldPath, Finding } from './findings.js';
import { relaxFlowIndentation } from './yaml-relax.js';
import { restoreStringScalars } from './yaml-strings.js';
import { KIND_LIST } from './kinds.js';
import { errorMessage } from '../core/errors.js';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface LocatedFinding extends Finding, SourceLocation {}

export interface LoadedDocument {
  file: string;
  /** Position of the document within its file, from 0. */
  index: number;
  object: Record<string, unknown>;
  /** Maps a field path to where it (or its nearest existing parent) is written. */
  locate(path: FieldPath): SourceLocation;
}

export interface LoadResult {
  documents: LoadedDocument[];
  /** Read and parse problems; any of these means the input could not be fully read. */
  errors: LocatedFinding[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Expands files and directories (recursively, manifest extensions only, sorted) into file paths. */
export async function expandPaths(paths: readonly string[]): Promise<{ files: string[]; errors: LocatedFinding[] }> {
  const files: string[] = [];
  const errors: LocatedFinding[] = [];
  async function visit(p: string, explicit: boolean): Promise<void> {
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      errors.push(readError(p, e));
      return;
    }
    if (st.isDirectory()) {
      const names = (await readdir(p)).filter((n) => !n.startsWith('.') && n !== 'node_modules').sort();
      for (const n of names) await visit(join(p, n), false);
    } else if (explicit || MANIFEST_EXTENSIONS.has(extname(p).toLowerCase())) {
      files.push(p);
    }
  }
  for (const p of paths) await visit(p, true);
  return { files, errors };
}

function readError(file: string, e: unknown): LocatedFinding {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : errorMessage(e);
  return { file, line: 0, column: 0, severity: 'error', rule: 'read', path: [], message: `cannot read: ${why}` };
}

export async function loadFiles(paths: readonly string[]): Promise<LoadResult> {
  const { files, errors } = await expandPaths(paths);
  const result: LoadResult = { documents: [], errors };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      result.errors.push(readError(file, e));
      continue;
    }
    const r = loadText(text, file);
    result.documents.push(...r.documents);
    result.errors.push(...r.errors);
  }
  return result;
}

// Go's YAML reader (sigs.k8s.io/yaml) reads a float only when the text has a digit (`.` and `-.` stay strings)
// and has no base-60 numbers (`10:30` stays a string); YAML 1.1 as the yaml package reads it differs in both.
const FLOAT_PLAIN = /^[-+]?(?=[0-9_]*\.?[0-9_]*[0-9])(?:[0-9][0-9_]*)?\.[0-9_]*$/;

function goLikeTags(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME'))
    .map((t) =>
      typeof t !== 'string' && t.tag === 'tag:yaml.org,2002:float' && t.format === undefined && t.test?.source.includes('\\.[0-9_]*$')
        ? { ...t, test: FLOAT_PLAIN }
        : t,
    );
}

const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: goLikeTags,
  uniqueKeys: true,
  prettyErrors: false,
};

/** Parses one file's text. Documents that are empty (e.g. after a trailing `---`) are skipped. */
export function loadText(text: string, file: string): LoadResult {
  let lineCounter = new LineCounter();
  const result: LoadResult = { documents: [], errors: [] };
  const at = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  let list;
  try {
    list = parseDocs(text, lineCounter);
    if (list.some((d) => d.errors.length > 0)) {
      // Retry with Go-tolerated indentation inside flow/quoted content; keep the retry only if it is clean.
      const relaxed = relaxFlowIndentation(text);
      if (relaxed !== undefined) {
        const relaxedCounter = new LineCounter();
        const retry = parseDocs(relaxed, relaxedCounter);
        if (retry.every((d) => d.errors.length === 0)) {
          list = retry;
          lineCounter = relaxedCounter;
        }
      }
    }
  } catch (e) {
    result.errors.push({ file, line: 1, column: 1, severity: 'error', rule: 'parse', path: [], message: errorMessage(e) });
    return result;
  }
  list.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        result.errors.push({ file, ...at(err.pos[0]), severity: 'error', rule: 'parse', path: [], message: firstLine(err.message) });
      }
      return;
    }
    if (doc.contents === null) return;
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      result.errors.push({ file, ...at(0), severity: 'error', rule: 'parse', path: [], message: errorMessage(e) });
      return;
    }
    if (object === null || object === undefined) return;
    const start = doc.contents.range?.[0] ?? 0;
    if (typeof object !== 'object' || Array.isArray(object)) {
      result.errors.push({
        file,
        ...at(start),
        severity: 'error',
        rule: 'parse',
        path: [],
        message: 'a manifest must be a map with apiVersion and kind, not ' + (Array.isArray(object) ? 'a list' : 'a single value'),
      });
      return;
    }
    const kindInfo = KIND_LIST.find((k) => k.kind === (object as Record<string, unknown>).kind);
    if (kindInfo !== undefined) restoreStringScalars(kindInfo.schema, doc.contents, object);
    result.documents.push({
      file,
      index,
      object: object as Record<string, unknown>,
      locate: (path) => ({ file, ...at(offsetOf(doc, path)) }),
    });
  });
  return result;
}

function parseDocs(text: string, lineCounter: LineCounter): Document.Parsed[] {
  const docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter });
  return Array.isArray(docs) ? docs : [];
}

function firstLine(s: string): string {
  return s.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** Offset of the deepest node on `path` that exists; a map key's own position when the path ends at a key. */
function offsetOf(doc: Document.Parsed, path: FieldPath): number {
  let node: YamlNode | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const seg of path) {
    if (node && isMap(node)) {
      const pair: Pair<YamlNode, YamlNode | null> | undefined = (node.items as Pair<YamlNode, YamlNode | null>[]).find(
        (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg),
      );
      if (!pair) break;
      offset = pair.key?.range?.[0] ?? offset;
      node = pair.value;
    } else if (node && isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}
