/**
 * The panel's stylesheet (served inline with the page's nonce). Colours come only from VS Code's
 * theme variables, so light, dark and high-contrast themes all work; focus is always visible.
 */
export const PANEL_CSS = `
:root { color-scheme: light dark; }
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
/* each table scrolls sideways on its own in a narrow panel (its scrollbar sits right under it) */
table { border-collapse: collapse; margin: 8px 0; display: block; max-width: 100%; overflow-x: auto; }
caption { text-align: left; font-weight: 600; padding: 2px 0; }
th, td { padding: 2px 10px; border-bottom: 1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent)); text-align: left; }
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
svg.plot .pt-own { fill: none; stroke: var(--vscode-charts-orange); stroke-width: 1.2; }
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
body.vscode-high-contrast svg.plot .pt { stroke: var(--vscode-contrastBorder); }
#plot-tip { position: absolute; z-index: 10; padding: 2px 6px; pointer-events: none; max-width: 420px; background: var(--vscode-editorHoverWidget-background); color: var(--vscode-editorHoverWidget-foreground); border: 1px solid var(--vscode-editorHoverWidget-border, var(--vscode-contrastBorder, transparent)); }
#plot-tip[hidden] { display: none; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table.data-preview td { font-family: var(--vscode-editor-font-family); }
table.data-preview th .col-type { display: block; font-weight: normal; color: var(--vscode-descriptionForeground); font-size: 0.9em; }
`;
