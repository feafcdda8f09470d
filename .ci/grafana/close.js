// Closes every object of the schema that lists its properties
// (`additionalProperties: false`), as the TypeScript types are closed: an
// unknown key is an error. The generator's own `--noExtraProps` also closes
// index signatures (`Record<string, unknown>`, a panel's `options`), which
// would reject every key, so the schema is closed here instead.
const fs = require('fs');
const schema = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
function close(node) {
  if (Array.isArray(node)) {
    node.forEach(close);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  if (node.properties && !('additionalProperties' in node)) node.additionalProperties = false;
  Object.values(node).forEach(close);
}
close(schema);
fs.writeFileSync(process.argv[3], JSON.stringify(schema, null, 2) + '\n');
