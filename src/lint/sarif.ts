import { relative, sep } from 'node:path';
import type { Finding, Rule } from './types.js';

/** Where each rule is explained; SARIF viewers link to it. */
export const DOCS_URL = 'https://github.com/milvus-migrate/milvus-migrate/blob/main/docs/lint.md';

/** The documentation anchor of a rule in docs/lint.md (`#mm101`). */
export function docsAnchor(code: string): string {
  return `${DOCS_URL}#${code.toLowerCase()}`;
}

/**
 * The findings as a SARIF 2.1.0 log, the format GitHub code scanning reads: one run, the rules
 * in `tool.driver.rules`, each finding a result with its file (relative to `root`, `/`-separated)
 * and line.
 */
export function toSarif(findings: readonly Finding[], rules: readonly Rule[], root: string, version: string): Record<string, unknown> {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'milvus-migrate',
            version,
            informationUri: DOCS_URL,
            rules: rules.map((r) => ({
              id: r.code,
              shortDescription: { text: r.title },
              helpUri: docsAnchor(r.code),
              defaultConfiguration: { level: r.severity },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.code,
          ruleIndex: rules.findIndex((r) => r.code === f.code),
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: relative(root, f.file).split(sep).join('/') },
                region: { startLine: f.line ?? 1 },
              },
            },
          ],
        })),
      },
    ],
  };
}
