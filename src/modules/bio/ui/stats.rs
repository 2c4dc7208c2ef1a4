//! `/w/{slug}/bio/{page}/stats`: one page's views, unique visitors and clicks over 7, 30 or 90
//! days, its links' clicks, where visitors come from, and the email sign-ups. The range lives in
//! the URL (`?days=30`), so a reload or a shared link shows the same numbers, and the server
//! renders the chosen range.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};
use uuid::Uuid;

use crate::modules::bio::server_fns::{bio_page_leads, bio_page_stats, get_bio_page};
use crate::modules::bio::types::{CountRow, LeadView, PageView, STATS_RANGES, StatsView};
use crate::modules::workspaces::ui::{Panel, Time, error_view, loading_view, problem_view, use_slug, workspace_href};
use crate::shared::error::AppError;
use crate::shared::ui::{BarList, BarRow, EmptyState, Icon, LineChart, Series, Table, loaded};

const DEFAULT_DAYS: u32 = 30;
/// Sign-ups listed on the page; the CSV has them all.
const LEADS_SHOWN: usize = 100;
/// Rows per referrer, device and country list.
const TOP_ROWS: usize = 10;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "2026-11-03" → "3 Nov" (axis labels); anything else unchanged.
fn short_date(date: &str) -> String {
    let month = date.get(5..7).and_then(|m| m.parse::<usize>().ok()).and_then(|m| m.checked_sub(1)).and_then(|m| MONTHS.get(m));
    let day = date.get(8..10).and_then(|d| d.parse::<u32>().ok());
    match (day, month) {
        (Some(day), Some(month)) => format!("{day} {month}"),
        _ => date.to_owned(),
    }
}

/// 1234567 → "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A 0–1 ratio as a percentage with one decimal: 0.1234 → "12.3%".
fn percent(ratio: f64) -> String {
    let ratio = if ratio.is_finite() { ratio.max(0.0) } else { 0.0 };
    format!("{:.1}%", ratio * 100.0)
}

fn share(count: u64, total: u64) -> String {
    if total == 0 { percent(0.0) } else { percent(count as f64 / total as f64) }
}

/// The labels the server sends (`direct`, `mobile`, `de`) as people read them.
fn count_label(kind: CountKind, label: &str) -> String {
    match (kind, label) {
        (_, "") => "Unknown".into(),
        (CountKind::Referrer, "direct") => "Direct or unknown".into(),
        (CountKind::Country, l) if l.len() == 2 => l.to_uppercase(),
        (CountKind::Device | CountKind::Country, l) => {
            let mut chars = l.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
        }
        (CountKind::Referrer, l) => l.to_owned(),
    }
}

#[derive(Clone, Copy)]
enum CountKind {
    Referrer,
    Device,
    Country,
}

/// What the chart shows, in words, for screen readers (the table under it has every day).
fn chart_summary(s: &StatsView) -> String {
    let busiest = s.by_day.iter().filter(|d| d.views > 0).max_by_key(|d| d.views);
    let mut text = format!(
        "Views, unique visitors and clicks per day over the last {} days. In total {} views, {} unique visitors and {} clicks.",
        s.days,
        thousands(s.views),
        thousands(s.unique_visitors),
        thousands(s.clicks)
    );
    if let Some(d) = busiest {
        text.push_str(&format!(" The busiest day was {} with {} views.", short_date(&d.date), thousands(d.views)));
    }
    text
}

fn stats_csv_href(id: Uuid, days: u32, slug: &str) -> String {
    format!("/api/v1/bio/pages/{id}/stats.csv?days={days}&workspace={slug}")
}

fn leads_csv_href(id: Uuid, slug: &str) -> String {
    format!("/api/v1/bio/pages/{id}/leads.csv?workspace={slug}")
}

#[component]
pub fn BioStatsPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let query = use_query_map();
    let page_id = Memo::new(move |_| params.with(|p| p.get("page").and_then(|id| Uuid::parse_str(&id).ok())));
    let days = Memo::new(move |_| {
        query.with(|q| q.get("days").and_then(|d| d.parse::<u32>().ok()).filter(|d| STATS_RANGES.contains(d)).unwrap_or(DEFAULT_DAYS))
    });
    let page = Resource::new(
        move || (slug.get(), page_id.get()),
        |(slug, id)| async move {
            match id {
                Some(id) => get_bio_page(slug, id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Page stats"/>
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                match loaded(page).await {
                    Ok(p) => view! { <StatsBody page=p days=days/> }.into_any(),
                    Err(AppError::NotFound) => view! {
                        <section class="card">
                            {problem_view("link", "We could not find this page",
                                "It may have been deleted. The workspace's pages are under Link in bio.".into())}
                            <p class="bio-center">
                                <A href=move || workspace_href(&slug.get(), "/bio") attr:class="btn btn-secondary">"All pages"</A>
                            </p>
                        </section>
                    }
                    .into_any(),
                    Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StatsBody(page: PageView, days: Memo<u32>) -> impl IntoView {
    let slug = use_slug();
    let id = page.id;
    let stats = Resource::new(move || (slug.get(), days.get()), move |(slug, days)| bio_page_stats(slug, id, days));
    let leads = Resource::new(move || slug.get(), move |slug| bio_page_leads(slug, id));
    // While another range loads, the old numbers stay (dimmed) instead of a spinner.
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let published = page.status == "published";
    let public_url = page.public_url.clone();
    let ranges = STATS_RANGES
        .iter()
        .map(|&d| {
            let navigate = navigate.clone();
            let pick = move |_| {
                let href = workspace_href(&slug.get_untracked(), &format!("/bio/{id}/stats?days={d}"));
                navigate(&href, NavigateOptions { replace: true, scroll: false, ..Default::default() });
            };
            view! {
                <button type="button" class="segment" aria-pressed=move || if days.get() == d { "true" } else { "false" } on:click=pick>
                    {format!("{d} days")}
                </button>
            }
        })
        .collect_view();
    let address = if published {
        view! {
            <a href=public_url.clone() class="inline-link" target="_blank" rel="noopener">
                <Icon name="globe"/>{format!("/@{}", page.handle)}<span class="sr-only">" (opens in a new tab)"</span>
            </a>
        }
        .into_any()
    } else {
        view! { <span>{format!("/@{} is not published yet", page.handle)}</span> }.into_any()
    };
    view! {
        <Title text=format!("Stats: {}", page.title)/>
        <div class="page-head">
            <p>
                <A href=move || workspace_href(&slug.get(), &format!("/bio/{id}")) attr:class="inline-link">
                    <span aria-hidden="true">"‹"</span>"Back to the editor"
                </A>
            </p>
            <h1 class="page-title break">{format!("Stats: {}", page.title)}</h1>
            <p class="muted">{address}</p>
        </div>
        <div class="stats-toolbar">
            <div class="segmented" role="group" aria-label="Date range">{ranges}</div>
            <a class="btn btn-secondary" href=move || stats_csv_href(id, days.get(), &slug.get()) download rel="external">
                "Download CSV"<span class="sr-only">" of the stats"</span>
            </a>
        </div>
        <div class="stats-body" aria-busy=move || pending.get().then_some("true")>
            <Transition fallback=loading_view set_pending=pending>
                {move || {
                    let public_url = public_url.clone();
                    Suspend::new(async move {
                        match loaded(stats).await {
                            Ok(s) => stats_view(s, published, public_url).into_any(),
                            Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </div>
        <Panel id="signups" title="Sign-ups">
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(leads).await {
                        Ok(list) => leads_view(list, leads_csv_href(id, &slug.get_untracked())).into_any(),
                        Err(err) => error_view(&err).into_any(),
                    }
                })}
            </Transition>
        </Panel>
    }
}

fn stats_view(s: StatsView, published: bool, public_url: String) -> impl IntoView {
    if s.views == 0 && s.clicks == 0 {
        let text = if published {
            "Share your page to see visitors here: put its address in your social profiles and messages."
        } else {
            "Share your page to see visitors here. Publish it in the editor first, so visitors can open it."
        };
        return view! {
            <section class="card">
                <EmptyState icon="chart" title=format!("No visits in the last {} days", s.days) text=text>
                    {published.then(|| view! {
                        <a href=public_url class="btn btn-secondary" target="_blank" rel="noopener">
                            <Icon name="globe"/>"Open your page"<span class="sr-only">" (opens in a new tab)"</span>
                        </a>
                    })}
                </EmptyState>
            </section>
        }
        .into_any();
    }
    let labels: Vec<String> = s.by_day.iter().map(|d| short_date(&d.date)).collect();
    let series = vec![
        Series { label: "Views".into(), color_class: "chart-c1", points: s.by_day.iter().map(|d| d.views as f64).collect() },
        Series { label: "Unique visitors".into(), color_class: "chart-c2", points: s.by_day.iter().map(|d| d.unique_visitors as f64).collect() },
        Series { label: "Clicks".into(), color_class: "chart-c3", points: s.by_day.iter().map(|d| d.clicks as f64).collect() },
    ];
    let summary = chart_summary(&s);
    let links: Vec<BarRow> = s
        .by_link
        .iter()
        .map(|l| {
            let row = BarRow::new(l.title.clone(), l.clicks).with_note(format!("{} CTR", percent(l.ctr)));
            match &l.url {
                Some(url) => row.with_sub(url.clone()),
                None => row,
            }
        })
        .collect();
    view! {
        <dl class="stat-tiles">
            <div class="stat-tile"><dt>"Views"</dt><dd>{thousands(s.views)}</dd></div>
            <div class="stat-tile"><dt>"Unique visitors"</dt><dd>{thousands(s.unique_visitors)}</dd></div>
            <div class="stat-tile"><dt>"Clicks"</dt><dd>{thousands(s.clicks)}</dd></div>
            <div class="stat-tile"><dt>
                <abbr title="Click-through rate: clicks per view">"CTR"</abbr>
            </dt><dd>{percent(s.ctr)}</dd></div>
        </dl>
        <Panel id="stats-trend" title="Visits and clicks">
            <LineChart series=series labels=labels aria_label=summary/>
        </Panel>
        <Panel id="stats-links" title="Clicks per link">
            {if links.is_empty() {
                view! { <p class="muted">"No link was clicked in this range."</p> }.into_any()
            } else {
                view! { <BarList rows=links aria_label="Clicks per link"/> }.into_any()
            }}
        </Panel>
        <div class="stats-grid">
            {count_panel("stats-referrers", "Top referrers", CountKind::Referrer, s.referrers)}
            {count_panel("stats-devices", "Devices", CountKind::Device, s.devices)}
            {count_panel("stats-countries", "Countries", CountKind::Country, s.countries)}
        </div>
    }
    .into_any()
}

/// Views by referrer, device or country, each with its share of the views counted there.
fn count_panel(id: &'static str, title: &'static str, kind: CountKind, rows: Vec<CountRow>) -> impl IntoView {
    let total: u64 = rows.iter().map(|r| r.count).sum();
    let bars: Vec<BarRow> =
        rows.iter().take(TOP_ROWS).map(|r| BarRow::new(count_label(kind, &r.label), r.count).with_note(share(r.count, total))).collect();
    view! {
        <Panel id=id title=title>
            {if bars.is_empty() {
                view! { <p class="muted">"Nothing recorded in this range."</p> }.into_any()
            } else {
                view! { <BarList rows=bars aria_label=title color_class="chart-c2"/> }.into_any()
            }}
        </Panel>
    }
}

fn leads_view(list: Vec<LeadView>, csv: String) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <EmptyState icon="mail" title="No sign-ups yet"
                text="Add an email sign-up block to your page in the editor. The addresses people leave show here."/>
        }
        .into_any();
    }
    let total = list.len();
    let count = format!("{} {}", thousands(total as u64), if total == 1 { "sign-up" } else { "sign-ups" });
    view! {
        <div class="card-head">
            <p class="meta">{count}</p>
            <a class="btn btn-secondary" href=csv download rel="external">
                "Download CSV"<span class="sr-only">" of the sign-ups"</span>
            </a>
        </div>
        <Table caption="Sign-ups" headers=vec!["Email", "Signed up"]>
            {list
                .into_iter()
                .take(LEADS_SHOWN)
                .map(|l| view! {
                    <tr>
                        <td class="break">{l.email}</td>
                        <td class="nowrap"><Time at=l.created_at date_only=true/></td>
                    </tr>
                })
                .collect_view()}
        </Table>
        {(total > LEADS_SHOWN).then(|| view! {
            <p class="meta">{format!("Showing the latest {LEADS_SHOWN}. The CSV has all {}.", thousands(total as u64))}</p>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::bio::types::DayStats;

    #[test]
    fn numbers_dates_and_rates_read_naturally() {
        assert_eq!(short_date("2026-11-03"), "3 Nov");
        assert_eq!(short_date("2026-01-31"), "31 Jan");
        assert_eq!(short_date("soon"), "soon");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(0.1234), "12.3%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(f64::NAN), "0.0%");
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(5, 0), "0.0%");
    }

    #[test]
    fn count_labels_are_made_readable() {
        assert_eq!(count_label(CountKind::Referrer, "direct"), "Direct or unknown");
        assert_eq!(count_label(CountKind::Referrer, "instagram.com"), "instagram.com");
        assert_eq!(count_label(CountKind::Device, "mobile"), "Mobile");
        assert_eq!(count_label(CountKind::Country, "de"), "DE");
        assert_eq!(count_label(CountKind::Country, ""), "Unknown");
        assert_eq!(count_label(CountKind::Country, "unknown"), "Unknown");
    }

    #[test]
    fn the_chart_summary_names_totals_and_the_busiest_day() {
        let day = |date: &str, views| DayStats { date: date.into(), views, unique_visitors: views / 2, clicks: 1 };
        let s = StatsView {
            days: 7,
            views: 1500,
            unique_visitors: 700,
            clicks: 12,
            ctr: 0.008,
            by_day: vec![day("2026-11-02", 500), day("2026-11-03", 1000)],
            by_link: vec![],
            referrers: vec![],
            devices: vec![],
            countries: vec![],
        };
        let text = chart_summary(&s);
        assert!(text.contains("last 7 days"), "{text}");
        assert!(text.contains("1,500 views"), "{text}");
        assert!(text.contains("busiest day was 3 Nov with 1,000 views"), "{text}");
    }

    #[test]
    fn csv_links_name_the_workspace_and_range() {
        let id = Uuid::nil();
        assert_eq!(stats_csv_href(id, 7, "acme"), format!("/api/v1/bio/pages/{id}/stats.csv?days=7&workspace=acme"));
        assert_eq!(leads_csv_href(id, "acme"), format!("/api/v1/bio/pages/{id}/leads.csv?workspace=acme"));
    }
}
