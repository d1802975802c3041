/** The style sheet of the API's pages (allowed by its hash in their Content-Security-Policy). */
export const PAGE_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:920px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.status{display:inline-block;padding:1px 8px;border-radius:10px;background:#e8ecf3;font-weight:600}
.regression .status,.kind-regression{color:#a11b1b}.kind-improvement{color:#17692d}
table.facts{border-collapse:collapse}table.facts th{text-align:left;padding:3px 16px 3px 0;color:#5a6375;font-weight:500;vertical-align:top}
table.facts td{padding:3px 0}code{font:12px ui-monospace,monospace;background:#f3f5f9;padding:1px 4px;border-radius:3px}
.cause{border-left:4px solid #d98b00;background:#fff7e6;padding:8px 12px}
.chart{max-width:100%;height:auto;border:1px solid #e3e7ef;border-radius:4px}
.chart .grid{stroke:#eef1f6}.chart .axis-label{font:11px system-ui,sans-serif;fill:#5a6375}
.chart .series-line{fill:none;stroke:#7d8799;stroke-width:1.5}.chart .ci{stroke:#9aa4b5;stroke-width:1}
.chart .point{fill:#3a63c9}.chart .point.after{fill:#c93a3a}
.chart .level{stroke-width:2;stroke-dasharray:6 3}.chart .level.before{stroke:#3a63c9}.chart .level.after{stroke:#c93a3a}
.chart .level-ci.before{fill:#3a63c9;fill-opacity:.1}.chart .level-ci.after{fill:#c93a3a;fill-opacity:.1}
.chart .change-point{stroke:#d98b00;stroke-width:2;stroke-dasharray:4 3}.chart .change-label{font:11px system-ui,sans-serif;fill:#a86b00}
pre{background:#f3f5f9;padding:8px;overflow:auto}ul.runs{columns:3;padding-left:18px}
table.list{border-collapse:collapse;width:100%}table.list th,table.list td{text-align:left;padding:4px 8px;border-bottom:1px solid #e3e7ef}
table.list td.num{text-align:right;font-variant-numeric:tabular-nums}
h3{font-size:14px;margin:16px 0 6px}table.probes{font-size:13px}.outcome{font-weight:600}
.outcome-confirmed,.outcome-bad{color:#a11b1b}.outcome-good{color:#17692d}.outcome-noise,.outcome-skipped,.outcome-undecided{color:#5a6375}`;
