//! Small charts drawn with plain markup, so pages get charts without a charting crate in the
//! WASM. The plot is an SVG stretched to its box (`viewBox` + `preserveAspectRatio="none"`,
//! strokes that do not scale), while the axis labels are HTML positioned in percent: text keeps
//! its size at any width instead of shrinking with the drawing. Colours come from CSS classes
//! (`chart-c1`…`chart-c3`, set from the theme tokens) through `currentColor`, so both themes work.
use leptos::prelude::*;

/// The plot's drawing box; CSS gives it its real size.
const W: f64 = 600.0;
const H: f64 = 200.0;

/// One line of a `LineChart`. `color_class` is `chart-c1`, `chart-c2` or `chart-c3`.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub color_class: &'static str,
    pub points: Vec<f64>,
}

/// One row of a `BarList`: a label, an optional second line (a URL…), the value the bar shows,
/// and an optional note beside the value (a share, a rate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarRow {
    pub label: String,
    pub sub: Option<String>,
    pub value: u64,
    pub note: Option<String>,
}

impl BarRow {
    pub fn new(label: impl Into<String>, value: u64) -> Self {
        Self { label: label.into(), sub: None, value, note: None }
    }

    pub fn with_sub(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

// ---- pure math (unit tested below)

/// The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `raw`: steps people read at a glance.
pub fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    // A little tolerance so 0.3/0.1 = 2.9999… does not jump to the next step.
    let nice = [1.0, 2.0, 2.5, 5.0].into_iter().find(|n| fraction <= n + 1e-9).unwrap_or(10.0);
    nice * magnitude
}

/// Tick values from 0 to a nice top at or above `max`, about `count` steps. With `integer`
/// (counts), steps are whole numbers, so a chart of 0–3 visits never shows "1.5".
pub fn y_ticks(max: f64, count: usize, integer: bool) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 { max } else { 0.0 };
    let mut step = nice_step(max / count.max(1) as f64);
    if integer {
        step = step.max(1.0);
        // Only 2.5 itself is fractional among the integer-sized steps.
        if step.fract() != 0.0 {
            step = nice_step(step.ceil());
        }
    }
    let steps = ((max / step) - 1e-9).ceil().max(1.0) as usize;
    // Multiplying (not adding up) keeps 0.1-sized steps free of rounding drift.
    (0..=steps).map(|i| i as f64 * step).collect()
}

/// The y of `value` in a box of height `h` whose top is `top` (SVG y grows downwards).
pub fn scale_y(value: f64, top: f64, h: f64) -> f64 {
    if top <= 0.0 {
        return h;
    }
    (h - value / top * h).clamp(0.0, h)
}

/// The x of point `i` of `n`, edge to edge; a lone point sits in the middle.
pub fn x_at(i: usize, n: usize, w: f64) -> f64 {
    if n <= 1 { w / 2.0 } else { i as f64 * w / (n - 1) as f64 }
}

/// Which of `n` points get an axis label: at most `max`, evenly spread, first and last included.
pub fn label_indices(n: usize, max: usize) -> Vec<usize> {
    if n == 0 || max == 0 {
        return Vec::new();
    }
    if n <= max {
        return (0..n).collect();
    }
    if max == 1 {
        return vec![0];
    }
    let mut picked: Vec<usize> = (0..max).map(|k| ((k * (n - 1)) as f64 / (max - 1) as f64).round() as usize).collect();
    picked.dedup();
    picked
}

/// An SVG path through the points.
pub fn line_path(points: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 14);
    for (i, (x, y)) in points.iter().enumerate() {
        d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" }));
    }
    d
}

/// The line closed down to `baseline`, to fill the area under it.
pub fn area_path(points: &[(f64, f64)], baseline: f64) -> String {
    match (points.first(), points.last()) {
        (Some((x0, _)), Some((x1, _))) => format!("{} L{x1:.1} {baseline:.1} L{x0:.1} {baseline:.1} Z", line_path(points)),
        _ => String::new(),
    }
}

/// Short numbers for axes and tiles: 950, 1.2k, 12k, 3.4M.
pub fn compact(value: f64) -> String {
    let abs = value.abs();
    if abs >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0).replace(".0M", "M")
    } else if abs >= 10_000.0 {
        format!("{:.0}k", value / 1_000.0)
    } else if abs >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0).replace(".0k", "k")
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        let s = format!("{value:.1}");
        s.strip_suffix(".0").map_or_else(|| s.clone(), str::to_owned)
    }
}

/// A bar's width in percent of the largest; any non-zero value stays visible.
pub fn bar_percent(value: u64, max: u64) -> f64 {
    if max == 0 || value == 0 {
        return 0.0;
    }
    (value as f64 / max as f64 * 100.0).clamp(1.0, 100.0)
}

// ---- components

/// Lines over days (or any ordered labels), the first series filled below its line. Screen
/// readers get `aria_label` as the summary and a visually hidden table of every value; mouse
/// users get a tooltip per point. `labels` name the points (same length as each series).
#[component]
pub fn LineChart(
    series: Vec<Series>,
    labels: Vec<String>,
    #[prop(into)] aria_label: String,
    /// Header of the labels column in the hidden table.
    #[prop(optional, into)]
    label_title: Option<String>,
    /// Allow fractional tick steps (the default suits counts).
    #[prop(optional)]
    fractional: bool,
    /// How many point labels the x axis shows at most (7: phones show every other one, and an
    /// odd count keeps those evenly spaced too).
    #[prop(optional)]
    max_labels: Option<usize>,
) -> impl IntoView {
    let n = labels.len();
    let max = series.iter().flat_map(|s| s.points.iter().copied()).fold(0.0_f64, f64::max);
    let ticks = y_ticks(max, 4, !fractional);
    let top = ticks.last().copied().unwrap_or(1.0);
    let coords = |s: &Series| -> Vec<(f64, f64)> {
        let pts: Vec<(f64, f64)> = s.points.iter().take(n).enumerate().map(|(i, v)| (x_at(i, n, W), scale_y(*v, top, H))).collect();
        // A single point would draw nothing: show it as a level line.
        match pts.as_slice() {
            [(_, y)] => vec![(0.0, *y), (W, *y)],
            _ => pts,
        }
    };

    let grid = ticks
        .iter()
        .map(|t| {
            let y = format!("{:.1}", scale_y(*t, top, H));
            view! { <line class="chart-grid" x1="0" x2=W.to_string() y1=y.clone() y2=y vector-effect="non-scaling-stroke"/> }
        })
        .collect_view();
    let area = series.first().map(|s| {
        let d = area_path(&coords(s), H);
        view! { <path class=format!("chart-area {}", s.color_class) d=d/> }
    });
    let lines = series
        .iter()
        .map(|s| {
            let d = line_path(&coords(s));
            view! { <path class=format!("chart-line {}", s.color_class) d=d vector-effect="non-scaling-stroke"/> }
        })
        .collect_view();
    // Hover bands: one per point, reaching halfway to its neighbours, with a native tooltip.
    let value_at = |s: &Series, i: usize| s.points.get(i).copied().unwrap_or(0.0);
    let bands = (0..n)
        .map(|i| {
            let half = if n <= 1 { W / 2.0 } else { W / (n - 1) as f64 / 2.0 };
            let x0 = (x_at(i, n, W) - half).max(0.0);
            let x1 = (x_at(i, n, W) + half).min(W);
            let tip = std::iter::once(labels[i].clone())
                .chain(series.iter().map(|s| format!("{}: {}", s.label, compact(value_at(s, i)))))
                .collect::<Vec<_>>()
                .join("\n");
            view! {
                <rect class="chart-band" x=format!("{x0:.1}") y="0" width=format!("{:.1}", x1 - x0) height=H.to_string()>
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();

    let y_labels = ticks
        .iter()
        .map(|t| {
            let style = format!("top:{:.2}%", (1.0 - t / top) * 100.0);
            view! { <span style=style>{compact(*t)}</span> }
        })
        .collect_view();
    let x_labels = label_indices(n, max_labels.unwrap_or(7))
        .into_iter()
        .map(|i| {
            let pct = x_at(i, n, 100.0);
            let class = if n > 1 && i == 0 {
                "chart-tick-start"
            } else if n > 1 && i == n - 1 {
                "chart-tick-end"
            } else {
                "chart-tick-mid"
            };
            view! { <span class=class style=format!("left:{pct:.2}%")>{labels[i].clone()}</span> }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|s| view! { <li><span class=format!("chart-swatch {}", s.color_class)></span>{s.label.clone()}</li> })
        .collect_view();
    let table_head = series.iter().map(|s| view! { <th scope="col">{s.label.clone()}</th> }).collect_view();
    let table_rows = (0..n)
        .map(|i| {
            let cells = series.iter().map(|s| view! { <td>{compact(value_at(s, i))}</td> }).collect_view();
            view! { <tr><th scope="row">{labels[i].clone()}</th>{cells}</tr> }
        })
        .collect_view();

    view! {
        <figure class="chart">
            <ul class="chart-legend" aria-hidden="true">{legend}</ul>
            <div class="chart-body" role="img" aria-label=aria_label.clone()>
                <div class="chart-y" aria-hidden="true">
                    // Not positioned: gives the column the width of its widest label.
                    <span class="chart-y-sizer">{compact(top)}</span>
                    {y_labels}
                </div>
                <div class="chart-plot">
                    <svg class="chart-svg" viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" aria-hidden="true" focusable="false">
                        {grid}
                        {area}
                        {lines}
                        {bands}
                    </svg>
                    <div class="chart-x" aria-hidden="true">{x_labels}</div>
                </div>
            </div>
            // Hidden through a wrapper: a table ignores `width: 1px` and would widen the page.
            <div class="sr-only">
                <table>
                    <caption>{aria_label}</caption>
                    <thead><tr><th scope="col">{label_title.unwrap_or_else(|| "Date".into())}</th>{table_head}</tr></thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
        </figure>
    }
}

/// Ranked rows with a bar each, scaled to the largest value. Real text, so it reads the same
/// for screen readers; the bars themselves are decoration.
#[component]
pub fn BarList(
    rows: Vec<BarRow>,
    #[prop(into)] aria_label: String,
    /// `chart-c1` (default), `chart-c2` or `chart-c3`.
    #[prop(optional)]
    color_class: Option<&'static str>,
) -> impl IntoView {
    let max = rows.iter().map(|r| r.value).max().unwrap_or(0);
    let fill = format!("bar-fill {}", color_class.unwrap_or("chart-c1"));
    let items = rows
        .into_iter()
        .map(|r| {
            let width = format!("width:{:.2}%", bar_percent(r.value, max));
            view! {
                <li class="bar-row">
                    <div class="bar-text">
                        <span class="bar-label">{r.label}</span>
                        {r.sub.map(|s| {
                            // The full text on hover, as long URLs are cut short.
                            let tip = s.clone();
                            view! { <span class="bar-sub" title=tip>{s}</span> }
                        })}
                    </div>
                    <span class="bar-value">
                        {compact(r.value as f64)}
                        {r.note.map(|n| view! { <span class="bar-note">{n}</span> })}
                    </span>
                    <span class="bar-track" aria-hidden="true"><span class=fill.clone() style=width></span></span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="bar-list" aria-label=aria_label>{items}</ol> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_round_up_to_one_two_two_and_a_half_or_five() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(230.0), 250.0);
        assert!((nice_step(0.03) - 0.05).abs() < 1e-12);
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(f64::NAN), 1.0);
    }

    #[test]
    fn ticks_start_at_zero_and_reach_the_maximum() {
        assert_eq!(y_ticks(100.0, 4, true), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(y_ticks(87.0, 4, true), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(y_ticks(1234.0, 4, true), vec![0.0, 500.0, 1000.0, 1500.0]);
        for max in [1.0, 3.0, 7.0, 19.0, 99.0, 1001.0, 123_456.0] {
            let t = y_ticks(max, 4, true);
            assert_eq!(t[0], 0.0);
            assert!(*t.last().unwrap() >= max, "{max}: {t:?}");
            assert!(t.len() <= 6, "{max}: {t:?}");
        }
    }

    #[test]
    fn count_ticks_are_whole_numbers_and_fractional_ones_may_not_be() {
        assert_eq!(y_ticks(3.0, 4, true), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(y_ticks(10.0, 4, true), vec![0.0, 5.0, 10.0]);
        assert!(y_ticks(9.0, 4, true).iter().all(|t| t.fract() == 0.0));
        assert_eq!(y_ticks(1.0, 4, false), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        let small = y_ticks(0.3, 3, false);
        assert_eq!(small.len(), 4);
        assert!((small[3] - 0.3).abs() < 1e-9);
    }

    #[test]
    fn an_empty_chart_still_has_an_axis() {
        assert_eq!(y_ticks(0.0, 4, true), vec![0.0, 1.0]);
        assert_eq!(y_ticks(-5.0, 4, true), vec![0.0, 1.0]);
        assert_eq!(y_ticks(f64::INFINITY, 4, true), vec![0.0, 1.0]);
    }

    #[test]
    fn values_scale_into_the_box_upside_down() {
        assert_eq!(scale_y(0.0, 100.0, 200.0), 200.0);
        assert_eq!(scale_y(100.0, 100.0, 200.0), 0.0);
        assert_eq!(scale_y(25.0, 100.0, 200.0), 150.0);
        assert_eq!(scale_y(500.0, 100.0, 200.0), 0.0, "clamped");
        assert_eq!(scale_y(5.0, 0.0, 200.0), 200.0, "no division by zero");
        assert_eq!(x_at(0, 7, 600.0), 0.0);
        assert_eq!(x_at(6, 7, 600.0), 600.0);
        assert_eq!(x_at(3, 7, 600.0), 300.0);
        assert_eq!(x_at(0, 1, 600.0), 300.0);
    }

    #[test]
    fn axis_labels_spread_evenly_and_keep_both_ends() {
        assert_eq!(label_indices(7, 7), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(label_indices(30, 6), vec![0, 6, 12, 17, 23, 29]);
        assert_eq!(label_indices(90, 4), vec![0, 30, 59, 89]);
        assert_eq!(label_indices(5, 1), vec![0]);
        assert!(label_indices(0, 6).is_empty());
    }

    #[test]
    fn paths_go_through_every_point_and_areas_close_on_the_baseline() {
        let pts = [(0.0, 10.0), (50.0, 5.5), (100.0, 0.0)];
        assert_eq!(line_path(&pts), "M0.0 10.0 L50.0 5.5 L100.0 0.0");
        assert_eq!(area_path(&pts, 20.0), "M0.0 10.0 L50.0 5.5 L100.0 0.0 L100.0 20.0 L0.0 20.0 Z");
        assert_eq!(area_path(&[], 20.0), "");
    }

    #[test]
    fn numbers_read_short() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(2.5), "2.5");
        assert_eq!(compact(1000.0), "1k");
        assert_eq!(compact(1234.0), "1.2k");
        assert_eq!(compact(12_345.0), "12k");
        assert_eq!(compact(3_400_000.0), "3.4M");
        assert_eq!(compact(2_000_000.0), "2M");
    }

    #[test]
    fn bars_scale_to_the_largest_and_small_ones_stay_visible() {
        assert_eq!(bar_percent(50, 100), 50.0);
        assert_eq!(bar_percent(100, 100), 100.0);
        assert_eq!(bar_percent(1, 100_000), 1.0);
        assert_eq!(bar_percent(0, 100), 0.0);
        assert_eq!(bar_percent(3, 0), 0.0);
    }
}
