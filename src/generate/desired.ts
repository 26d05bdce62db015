/**
 * The schema file a user edits (schema.yaml), read and checked as strictly as the migrations that
 * would create it: every collection through `createCollection`'s own params and checks (field
 * types, a vector needs dim, one primary key, indexes on fields that exist, Milvus' names), so
 * a mistake is reported with file, line and key before anything is generated.
 */
import { InvalidInputError, type Problem } from '../errors.js';
import { isValidMilvusName } from '../config/names.js';
import { validateParams } from '../migrations/yaml.js';
import { readSchemaDocument, type SchemaDocument } from '../schema/yaml.js';
import { usesPartitionKey } from '../schema/plan-model.js';
import { createCollection } from '../steps/collections/createCollection.js';
import { fieldParams, indexParams } from './create.js';

/** Reads and checks a schema file; {@link InvalidInputError} lists every problem with its line. */
export function readDesiredSchema(text: string, file: string): SchemaDocument {
  const doc = readSchemaDocument(text, file);
  const problems: Problem[] = [];
  const { schema } = doc;
  for (const [name, c] of Object.entries(schema.collections)) {
    const at = ['collections', name];
    const indexNames = Object.keys(c.indexes);
    const params = {
      collection_name: name,
      ...(c.description ? { description: c.description } : {}),
      fields: c.fields.map(fieldParams),
      ...(c.enable_dynamic_field ? { enable_dynamic_field: true } : {}),
      ...(usesPartitionKey(c) ? { num_partitions: c.partitions.length } : {}),
      consistency_level: c.consistency_level,
      index_params: Object.entries(c.indexes).map(([n, ix]) => indexParams(n, ix)),
    };
    // Paths of createCollection's params, back to where they are in the file.
    const where = (path: readonly (string | number)[]): (string | number)[] => {
      const [head, i, ...rest] = path;
      if (head === 'collection_name') return at;
      if (head === 'index_params' && typeof i === 'number') {
        const key = rest[0] === 'index_name' ? [] : rest;
        return [...at, 'indexes', indexNames[i]!, ...key];
      }
      if (head === 'num_partitions') return [...at, 'partitions'];
      return [...at, ...path];
    };
    const parsed = validateParams(createCollection.params, params, `collection ${name}`, (path, message) =>
      problems.push(doc.problemAt(where(path), message)),
    );
    if (parsed)
      for (const [key, message] of createCollection.check?.(parsed as never) ?? [])
        problems.push(doc.problemAt(where(key.split('.').map(numberOr)), message));
    c.partitions.forEach((p, i) => {
      if (!isValidMilvusName(p)) problems.push(doc.problemAt([...at, 'partitions', i], `invalid Milvus name ${JSON.stringify(p)}`));
    });
  }
  for (const [alias, target] of Object.entries(schema.aliases)) {
    if (!isValidMilvusName(alias)) problems.push(doc.problemAt(['aliases', alias], `invalid Milvus name ${JSON.stringify(alias)}`));
    else if (!(target in schema.collections))
      problems.push(doc.problemAt(['aliases', alias], `alias ${alias} points at ${target}, which is not a collection of this file`));
    if (alias in schema.collections) problems.push(doc.problemAt(['aliases', alias], `${alias} is both a collection and an alias`));
  }
  if (problems.length)
    throw new InvalidInputError(`${file} is not a valid schema`, problems, { hint: 'Every key is described in docs/schema-yaml.md.' });
  return doc;
}

function numberOr(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}
