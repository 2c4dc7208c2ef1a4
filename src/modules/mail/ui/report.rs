//! A campaign that went out: who it reached and what they did (sent, delivered, opened,
//! clicked, unsubscribed, bounced), activity per hour as a chart and clicks per link. While it
//! is sending the page refreshes itself every few seconds.
use leptos::prelude::*;

use super::{MailHeader, percent, status_badge};
use crate::modules::crm::ui::plural;
use crate::modules::mail::server_fns::campaign_report;
use crate::modules::mail::types::{AbReport, CampaignStatus, CampaignView, Report};
use crate::modules::workspaces::ui::{Time, error_view, loading_view};
use crate::shared::ui::{BarList, BarRow, EmptyState, LineChart, Series, loaded};

const REFRESH_MS: u64 = 3000;

#[component]
pub(super) fn ReportBody(slug: String, c: CampaignView, reload: RwSignal<u32>) -> impl IntoView {
    let id = c.id;
    let report = Resource::new({ let slug = slug.clone(); move || (slug.clone(), reload.get()) }, move |(slug, _)| campaign_report(slug, id));
    if c.status == CampaignStatus::Sending {
        // The campaign and its report load again; the next render schedules the next refresh.
        set_timeout(move || { reload.try_update(|n| *n += 1); }, std::time::Duration::from_millis(REFRESH_MS));
    }
    let sender = format!("From {} <{}>", c.from_name, c.from_email);
    let started = c.started_at.clone().map(|at| view! { <span>" · started "<Time at=at/></span> });
    let finished = c.finished_at.clone().map(|at| view! { <span>" · finished "<Time at=at/></span> });
    view! {
        <MailHeader slug=slug title=c.name.clone() text="How the campaign did.">
            {status_badge(c.status)}
        </MailHeader>
        <section class="card stack-sm mail-summary">
            <p class="break"><strong>{c.subject.clone()}</strong></p>
            <p class="meta break">{sender}{started}{finished}</p>
        </section>
        <Transition fallback=loading_view>
            {move || Suspend::new(async move {
                match loaded(report).await {
                    Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                    Ok(r) => report_view(r).into_any(),
                }
            })}
        </Transition>
    }
}

fn tile(label: &'static str, value: u64, note: String) -> impl IntoView {
    view! {
        <div class="stat-tile">
            <dt>{label}</dt>
            <dd>{value}</dd>
            <dd class="stat-note">{note}</dd>
        </div>
    }
}

fn report_view(r: Report) -> impl IntoView {
    let base = r.delivered;
    let ab = r.ab.clone().map(ab_view);
    let progress = (r.queued > 0).then(|| {
        // (An A/B test's held-back rest is not in the queue yet: it is shown with the test.)
        let done = r.recipients - r.queued - r.ab.as_ref().map_or(0, |a| a.held);
        view! {
            <div class="card stack-sm" role="status">
                <p>{format!("Sending: {done} of {} done.", r.recipients)}</p>
                <div class="import-progress" role="progressbar" aria-label="Sending progress" aria-valuemin="0"
                    aria-valuemax=r.recipients aria-valuenow=done>
                    <span style=format!("width:{}", percent(done, r.recipients))></span>
                </div>
            </div>
        }
    });
    let tiles = view! {
        <dl class="stat-tiles mail-tiles" aria-label="Campaign totals">
            {tile("Sent", r.sent, format!("of {}", plural(r.recipients, "recipient", "recipients")))}
            {tile("Delivered", r.delivered, percent(r.delivered, r.sent))}
            {tile("Opened", r.opened, format!("{} · {}", percent(r.opened, base), plural(r.total_opens, "open", "opens")))}
            {tile("Clicked", r.clicked, format!("{} · {}", percent(r.clicked, base), plural(r.total_clicks, "click", "clicks")))}
            {tile("Unsubscribed", r.unsubscribed, percent(r.unsubscribed, base))}
            {tile("Bounced", r.bounced, percent(r.bounced, r.sent))}
        </dl>
    };
    let failed = (r.failed + r.unknown > 0).then(|| {
        view! {
            <p class="callout callout-warning" role="alert">
                {format!("{} could not be sent (the SMTP server refused them or the sender stopped mid-send).", plural(r.failed + r.unknown, "message", "messages"))}
            </p>
        }
    });
    let chart = if r.by_hour.is_empty() {
        view! { <p class="muted">"Nothing has been sent yet."</p> }.into_any()
    } else {
        let labels: Vec<String> = r.by_hour.iter().map(|p| hour_label(&p.hour)).collect();
        let pick = |f: fn(&crate::modules::mail::types::HourPoint) -> u64| r.by_hour.iter().map(|p| f(p) as f64).collect::<Vec<_>>();
        let series = vec![
            Series { label: "Sent".into(), color_class: "chart-c1", points: pick(|p| p.sent) },
            Series { label: "Opened".into(), color_class: "chart-c2", points: pick(|p| p.opened) },
            Series { label: "Clicked".into(), color_class: "chart-c3", points: pick(|p| p.clicked) },
        ];
        let summary = format!("Per hour: {} sent, {} opened, {} clicked in all.", r.sent, r.opened, r.clicked);
        view! { <LineChart series=series labels=labels aria_label=summary label_title="Hour (UTC)"/> }.into_any()
    };
    let links = if r.links.is_empty() {
        view! { <EmptyState icon="link" title="No clicks yet" text="Clicks on the links of the email show here, per link."/> }.into_any()
    } else {
        let rows = r
            .links
            .iter()
            .map(|l| BarRow::new(l.url.clone(), l.clicks).with_note(plural(l.unique_clicks, "person", "people")))
            .collect();
        view! { <BarList rows=rows aria_label="Clicks per link"/> }.into_any()
    };
    view! {
        {progress}
        {tiles}
        {failed}
        {ab}
        <section class="card stack" aria-labelledby="report-activity">
            <h2 id="report-activity" class="card-title">"Activity per hour"</h2>
            {chart}
        </section>
        <section class="card stack" aria-labelledby="report-links">
            <h2 id="report-links" class="card-title">"Clicks per link"</h2>
            {links}
        </section>
    }
}

/// The subject test: each subject's half, its open rate, and the winner or when it is picked.
fn ab_view(ab: AbReport) -> impl IntoView {
    let status = match (&ab.winner, &ab.decides_at) {
        (Some(w), _) => view! { <p>{format!("Subject {} opened more: everyone else got it.", w.to_uppercase())}</p> }.into_any(),
        (None, Some(at)) => {
            let at = at.clone();
            view! { <p>{format!("{} wait for the winner, picked ", plural(ab.held, "recipient", "recipients"))}<Time at=at/>"."</p> }.into_any()
        }
        (None, None) => view! { <p>{format!("{}% of the audience get one of the two subjects first.", ab.test_percent)}</p> }.into_any(),
    };
    let rows = ab
        .variants
        .into_iter()
        .map(|v| {
            let won = ab.winner.as_deref() == Some(v.variant.as_str());
            view! {
                <tr>
                    <td>
                        <strong>{v.variant.to_uppercase()}</strong>
                        {won.then(|| view! { " "<span class="badge badge-success">"Winner"</span> })}
                    </td>
                    <td class="break">{v.subject}</td>
                    <td>{v.sent}</td>
                    <td>{format!("{} · {}", v.opened, percent(v.opened, v.sent))}</td>
                    <td>{format!("{} · {}", v.clicked, percent(v.clicked, v.sent))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card stack" aria-labelledby="report-ab">
            <h2 id="report-ab" class="card-title">"Subject test"</h2>
            {status}
            <div class="table-wrap">
                <table class="table">
                    <thead><tr><th scope="col">"Subject"</th><th scope="col"><span class="sr-only">"Text"</span></th><th scope="col">"Sent"</th><th scope="col">"Opened"</th><th scope="col">"Clicked"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// "2026-12-05T14:00:00Z" → "5 Dec 14:00".
fn hour_label(at: &str) -> String {
    let date = crate::modules::workspaces::ui::when(at, true);
    date.trim_end_matches(" UTC").replacen(&format!(" {}", at.get(..4).unwrap_or_default()), "", 1).replace(',', "")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_are_short() {
        assert_eq!(super::hour_label("2026-12-05T14:00:00Z"), "5 Dec 14:00");
    }
}
