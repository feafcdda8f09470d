// The type every generated dashboard must satisfy: Grafana's dashboard
// JSON model as @grafana/schema publishes it.
import type { Dashboard } from '@grafana/schema';
export type GrafanaDashboard = Dashboard;
