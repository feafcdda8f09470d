// The options and custom field settings of each panel type slogen writes,
// as @grafana/schema publishes them (the panel plugins' own types).
import type * as bargauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as statetimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

export type BargaugeOptions = bargauge.Options;
export type StatOptions = stat.Options;
export type StateTimelineOptions = statetimeline.Options;
export type StateTimelineCustom = statetimeline.FieldConfig;
export type TableOptions = table.Options;
export type TimeseriesOptions = timeseries.Options;
export type TimeseriesCustom = timeseries.FieldConfig;
