// Validates PrometheusRule objects against the Prometheus Operator's
// published schema (the `@kubernetes-models/prometheus-operator` models,
// generated from the operator's CRDs).
//
//   node tests/judges/prometheusrule.mjs FILE...
//
// Every YAML document of every file must be a valid
// monitoring.coreos.com/v1 PrometheusRule. Prints one line per file and
// exits 1 when any is invalid.
import fs from "node:fs";
import yaml from "js-yaml";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";

let failed = 0;
for (const file of process.argv.slice(2)) {
  let problems = [];
  let objects = 0;
  try {
    for (const document of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
      if (document === null || document === undefined) continue;
      objects += 1;
      if (document.apiVersion !== "monitoring.coreos.com/v1" || document.kind !== "PrometheusRule") {
        problems.push(`document ${objects} is not a monitoring.coreos.com/v1 PrometheusRule`);
        continue;
      }
      try {
        new PrometheusRule(document).validate();
      } catch (error) {
        problems.push(`document ${objects}: ${error.message}`);
      }
    }
  } catch (error) {
    problems.push(error.message);
  }
  if (objects === 0 && problems.length === 0) problems.push("no object");
  if (problems.length > 0) {
    failed += 1;
    console.log(`INVALID ${file}: ${problems.join("; ")}`);
  } else {
    console.log(`valid ${file}: ${objects} PrometheusRule`);
  }
}
process.exit(failed > 0 ? 1 : 0);
