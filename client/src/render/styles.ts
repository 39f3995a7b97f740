/**
 * The panel's stylesheet (served inline with the page's nonce). Colours come only from VS Code's
 * theme variables, so light, dark and high-contrast themes all work; focus is always visible.
 */
export const PANEL_CSS = `
:root { color-scheme: light dark; --mlm-highlight: var(--vscode-editorWarning-foreground, var(--vscode-charts-orange)); }
/* the linked level: the editor's warning colour (strong in light, dark and high-contrast themes; charts-orange is translucent in some) */
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 16px 32px; line-height: 1.4; }
h1 { font-size: 1.4em; margin: 12px 0 4px; }
h2 { font-size: 1.2em; margin: 20px 0 6px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); }
h3 { font-size: 1.05em; margin: 14px 0 4px; }
a { color: var(--vscode-textLink-foreground); }
:focus-visible, .plot :focus { outline: 2px solid var(--vscode-focusBorder); outline-offset: 1px; }
button { font-family: inherit; font-size: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); padding: 3px 10px; margin: 2px 4px 2px 0; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
.toolbar { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; margin: 6px 0; }
#status { margin: 6px 0; padding: 4px 8px; border-left: 3px solid var(--vscode-focusBorder); }
#status.error { border-left-color: var(--vscode-errorForeground); color: var(--vscode-errorForeground); }
#status.cancelled, #status.warning { border-left-color: var(--vscode-editorWarning-foreground); }
.errors li { color: var(--vscode-errorForeground); }
.warnings { border-left: 3px solid var(--vscode-editorWarning-foreground); padding: 2px 8px; margin: 6px 0; }
.warnings ul { margin: 4px 0; padding-left: 18px; }
dl.model-header { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
dl.model-header dt { color: var(--vscode-descriptionForeground); }
dl.model-header dd { margin: 0; font-family: var(--vscode-editor-font-family); }
/* tables fit the panel: key columns first, the others (.secondary) collapse below 620 px; headers never wrap */
table { border-collapse: collapse; margin: 8px 0; display: block; max-width: 100%; overflow-x: auto; }
caption { text-align: left; font-weight: 600; padding: 2px 0; }
th, td { padding: 2px 8px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); text-align: left; }
th { white-space: nowrap; }
thead th { text-align: right; }
thead th:first-child { text-align: left; }
td.stars { padding-left: 0; font-family: var(--vscode-editor-font-family); }
.signif-legend, .collapsed-note, .comparability-note { color: var(--vscode-descriptionForeground); font-size: 0.9em; margin: 2px 0 8px; }
.collapsed-note { display: none; }
details.fixef-correlation pre { font-family: var(--vscode-editor-font-family); font-size: 0.9em; overflow-x: auto; max-width: 100%; }
@media (max-width: 620px) {
  body { padding: 0 8px 24px; }
  th, td { padding: 2px 5px; }
  table .secondary { display: none; }
  svg.plot { font-size: 13px; }
  .collapsed-note { display: block; }
  dl.model-header { grid-template-columns: 1fr; }
  dl.model-header dd { margin-left: 8px; overflow-wrap: anywhere; }
}
td.num { text-align: right; font-family: var(--vscode-editor-font-family); font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { color: var(--vscode-descriptionForeground); font-weight: 600; }
details.meanings { margin: 4px 0 10px; }
section.model { margin-top: 18px; }
section.model, section.comparisons, main > table { overflow-x: auto; }
nav#model-nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 10px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
figure.plot-figure { margin: 8px 0; max-width: 100%; }
figure.plot-figure figcaption { max-width: 560px; color: var(--vscode-descriptionForeground); font-size: 0.95em; }
figure.plot-figure figcaption strong { color: var(--vscode-foreground); }
svg.plot { max-width: 100%; height: auto; display: block; font-size: 11px; }
svg.plot text { fill: var(--vscode-foreground); font-family: var(--vscode-font-family); }
svg.plot .plot-bg { fill: var(--vscode-editor-background); }
svg.plot .axis-line, svg.plot .tick { stroke: var(--vscode-descriptionForeground); stroke-width: 1; }
svg.plot .tick-label, svg.plot .level-label { fill: var(--vscode-descriptionForeground); }
svg.plot .ref-line { stroke: var(--vscode-descriptionForeground); stroke-dasharray: 4 3; stroke-width: 1; }
svg.plot .pt { fill: var(--vscode-charts-blue); stroke: var(--vscode-editor-background); stroke-width: 0.5; }
svg.plot .pt-own { fill: var(--vscode-editor-background); stroke: var(--vscode-charts-orange); stroke-width: 2; }
svg.plot .pt-many { fill-opacity: 0.55; stroke-width: 0; }
svg.plot .pt-cloud { stroke: none; }
table.collapsed .secondary { display: none; }
table.collapsed th, table.collapsed td { padding: 2px 4px; }
table.tight { font-size: 0.88em; }
table.tight td.num { font-size: 0.95em; }
tbody th { overflow-wrap: anywhere; }
table.random-effects thead th:nth-child(-n+2), table.data-columns thead th, table.data-preview thead th { text-align: left; }
.plots > figure.plot-figure { min-width: 0; }
table.collapsed + .signif-legend + .collapsed-note { display: block; }
svg.plot .pt-dense { fill-opacity: 0.3; stroke-width: 0; }
svg.plot .pt-outside { fill: var(--vscode-charts-red); }
svg.plot .smooth-line { fill: none; stroke: var(--vscode-charts-red); stroke-width: 2.2; }
svg.plot .bound-line { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 1.2; }
svg.plot .qq-band, svg.plot .effect-band { fill: var(--vscode-charts-blue); fill-opacity: 0.18; stroke: none; }
svg.plot .effect-line { fill: none; stroke: var(--vscode-charts-blue); stroke-width: 2.2; }
svg.plot .effect-bar { stroke: var(--vscode-charts-blue); stroke-width: 2; }
svg.plot .effect-pt { fill: var(--vscode-charts-blue); stroke: var(--vscode-editor-background); stroke-width: 1; }
svg.plot .legend-label { fill: var(--vscode-foreground); }
svg.plot .legend-title { fill: var(--vscode-descriptionForeground); font-weight: 600; }
/* effect plots: one theme colour per line (series-0 … series-7) */
svg.plot .effect-line.series-0, svg.plot .effect-bar.series-0 { stroke: var(--vscode-charts-blue); } svg.plot .effect-band.series-0, svg.plot .effect-pt.series-0 { fill: var(--vscode-charts-blue); }
svg.plot .effect-line.series-1, svg.plot .effect-bar.series-1 { stroke: var(--vscode-charts-red); } svg.plot .effect-band.series-1, svg.plot .effect-pt.series-1 { fill: var(--vscode-charts-red); }
svg.plot .effect-line.series-2, svg.plot .effect-bar.series-2 { stroke: var(--vscode-charts-green); } svg.plot .effect-band.series-2, svg.plot .effect-pt.series-2 { fill: var(--vscode-charts-green); }
svg.plot .effect-line.series-3, svg.plot .effect-bar.series-3 { stroke: var(--vscode-charts-purple); } svg.plot .effect-band.series-3, svg.plot .effect-pt.series-3 { fill: var(--vscode-charts-purple); }
svg.plot .effect-line.series-4, svg.plot .effect-bar.series-4 { stroke: var(--vscode-charts-orange); } svg.plot .effect-band.series-4, svg.plot .effect-pt.series-4 { fill: var(--vscode-charts-orange); }
svg.plot .effect-line.series-5, svg.plot .effect-bar.series-5 { stroke: var(--vscode-charts-yellow); } svg.plot .effect-band.series-5, svg.plot .effect-pt.series-5 { fill: var(--vscode-charts-yellow); }
svg.plot .effect-line.series-6, svg.plot .effect-bar.series-6 { stroke: var(--vscode-foreground); } svg.plot .effect-band.series-6, svg.plot .effect-pt.series-6 { fill: var(--vscode-foreground); }
svg.plot .effect-line.series-7, svg.plot .effect-bar.series-7 { stroke: var(--vscode-descriptionForeground); } svg.plot .effect-band.series-7, svg.plot .effect-pt.series-7 { fill: var(--vscode-descriptionForeground); }
svg.plot .strip { fill: var(--vscode-editorWidget-background, var(--vscode-editor-background)); stroke: var(--vscode-descriptionForeground); stroke-width: 0.5; }
svg.plot .strip-label { font-size: 10px; }
svg.plot .panel-frame { fill: none; stroke: var(--vscode-descriptionForeground); stroke-width: 0.5; }
svg.plot .pt-path { fill: var(--vscode-charts-blue); fill-opacity: 0.7; }
svg.plot .group-panel .fit-line { stroke: var(--vscode-charts-blue); stroke-width: 1.6; }
svg.plot .population-line { fill: none; stroke: var(--vscode-charts-red); stroke-dasharray: 4 3; stroke-width: 1.3; }
svg.plot .linked.highlight .pt, svg.plot .pt.linked.highlight, svg.plot .linked.highlight .interval95, svg.plot .linked.highlight .interval139 { fill: var(--mlm-highlight); stroke: var(--mlm-highlight); fill-opacity: 1; }
svg.plot .group-panel.highlight .panel-frame { stroke: var(--mlm-highlight); stroke-width: 2.5; }
svg.plot .rug-tick.highlight { stroke: var(--mlm-highlight); stroke-width: 3; }
svg.plot .linked.dimmed { opacity: 0.25; }
.plot-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
.plot-controls input { font-family: inherit; color: var(--vscode-input-foreground); background: var(--vscode-input-background); border: 1px solid var(--vscode-input-border, var(--vscode-contrastBorder, transparent)); padding: 2px 4px; }
.filter-result { color: var(--vscode-descriptionForeground); font-size: 0.9em; }
details.export-menu { display: inline-block; margin: 2px 0; }
details.export-menu > summary { cursor: pointer; color: var(--vscode-textLink-foreground); list-style: none; padding: 2px 4px; }
details.export-menu > summary::-webkit-details-marker { display: none; }
details.export-menu[open] .export-items { display: flex; gap: 4px; }
.errors a.goto-line { margin-right: 4px; }
svg.plot .interval95 { stroke: var(--vscode-charts-blue); stroke-width: 1; }
svg.plot .interval139 { stroke: var(--vscode-charts-blue); stroke-width: 3; }
svg.plot .arrow { stroke: var(--vscode-descriptionForeground); stroke-width: 1; }
svg.plot .arrow-head { fill: var(--vscode-descriptionForeground); }
svg.plot .population-mark { stroke: var(--vscode-charts-red); stroke-width: 2.5; fill: none; }
svg.plot .density-fill { fill: var(--vscode-charts-blue); fill-opacity: 0.12; }
svg.plot .density-band { fill: var(--vscode-charts-blue); fill-opacity: 0.25; }
svg.plot .density-line { fill: none; stroke: var(--vscode-charts-blue); stroke-width: 1.5; }
svg.plot .center-line { stroke: var(--vscode-charts-red); stroke-width: 1.5; }
svg.plot .rug-tick { stroke: var(--vscode-foreground); stroke-width: 1; }
svg.plot .fit-line { fill: none; stroke-width: 1.6; }
svg.plot .qq-line { stroke: var(--vscode-charts-red); stroke-dasharray: none; }
svg.plot .series-0 .fit-line { stroke: var(--vscode-charts-blue); } svg.plot .series-0 .pt { fill: var(--vscode-charts-blue); }
svg.plot .series-1 .fit-line { stroke: var(--vscode-charts-red); } svg.plot .series-1 .pt { fill: var(--vscode-charts-red); }
svg.plot .series-2 .fit-line { stroke: var(--vscode-charts-green); } svg.plot .series-2 .pt { fill: var(--vscode-charts-green); }
svg.plot .series-3 .fit-line { stroke: var(--vscode-charts-orange); } svg.plot .series-3 .pt { fill: var(--vscode-charts-orange); }
svg.plot .series-4 .fit-line { stroke: var(--vscode-charts-purple); } svg.plot .series-4 .pt { fill: var(--vscode-charts-purple); }
svg.plot .series-5 .fit-line { stroke: var(--vscode-charts-yellow); } svg.plot .series-5 .pt { fill: var(--vscode-charts-yellow); }
svg.plot .series-6 .fit-line { stroke: var(--vscode-foreground); } svg.plot .series-6 .pt { fill: var(--vscode-foreground); }
svg.plot .series-7 .fit-line { stroke: var(--vscode-descriptionForeground); } svg.plot .series-7 .pt { fill: var(--vscode-descriptionForeground); }
svg.plot .group-series .pt { fill-opacity: 0.6; }
svg.plot .fit-line:focus, svg.plot .pt:focus { stroke: var(--vscode-focusBorder); stroke-width: 3; }
body.vscode-high-contrast svg.plot .pt, body.vscode-high-contrast svg.plot .pt-path { stroke: var(--vscode-contrastBorder); fill-opacity: 1; }
body.vscode-high-contrast svg.plot .qq-band, body.vscode-high-contrast svg.plot .effect-band { fill-opacity: 0.35; }
body.vscode-dark svg.plot .pt-dense { fill-opacity: 0.45; }
#plot-tip { position: absolute; z-index: 10; padding: 2px 6px; pointer-events: none; max-width: 420px; background: var(--vscode-editorHoverWidget-background); color: var(--vscode-editorHoverWidget-foreground); border: 1px solid var(--vscode-editorHoverWidget-border, var(--vscode-contrastBorder, transparent)); }
#plot-tip[hidden] { display: none; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table.data-preview td, table.data-preview th.num { font-family: var(--vscode-editor-font-family); }
table.data-preview th.num { text-align: right; color: var(--vscode-descriptionForeground); font-weight: normal; }
table.data-preview th.sortable { cursor: pointer; }
table.data-preview th[aria-sort="ascending"]::after { content: ' \\25B2'; }
table.data-preview th[aria-sort="descending"]::after { content: ' \\25BC'; }
/* the data preview's rows: a scrolled window (both ways, as a spreadsheet) onto all rows; the table itself never scrolls */
.rows-viewport { max-height: 70vh; overflow: auto; position: relative; border: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); }
table.data-preview { display: table; max-width: none; overflow: visible; margin: 0; }
table.data-preview td, table.data-preview th { white-space: nowrap; }
table.data-preview tr.spacer td { padding: 0; border: 0; }
table.data-preview tr.loading th { color: var(--vscode-descriptionForeground); }
table.data-preview tr.linked-row > * { background: var(--vscode-editor-findMatchHighlightBackground, var(--vscode-editor-selectionBackground)); }
.linked-level { margin: 4px 0; padding: 2px 8px; border-left: 3px solid var(--vscode-charts-orange); }
table.data-preview thead th { position: sticky; top: 0; z-index: 1; background: var(--vscode-editor-background); }
table.data-preview th .col-type { display: block; font-weight: normal; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
`;

/** Colours of a light editor theme for the exported HTML report (outside VS Code the --vscode-* variables are unset). */
export const REPORT_THEME = `
:root { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 14px; --vscode-editor-font-family: ui-monospace, monospace;
  --vscode-foreground: #1f1f1f; --vscode-descriptionForeground: #616161; --vscode-editor-background: #ffffff; --vscode-panel-border: #d0d0d0;
  --vscode-focusBorder: #005fb8; --vscode-textLink-foreground: #005fb8; --vscode-errorForeground: #c72e0f; --vscode-editorWarning-foreground: #bf8803;
  --vscode-charts-blue: #1a85ff; --vscode-charts-red: #e51400; --vscode-charts-green: #388a34; --vscode-charts-orange: #d18616;
  --vscode-charts-purple: #652d90; --vscode-charts-yellow: #bf8803; --vscode-editorWidget-background: #f3f3f3; }
`;
