//! `/w/{slug}/crm/deals`: a pipeline's open deals as a Kanban board. A deal is carried to
//! another stage (or place) by its handle with pointer events, so mouse, pen and touch work
//! alike; the arrow keys on the handle and a "Move to" list on the card do the same from the
//! keyboard. Moves show at once and are undone, with a message, when the server refuses them.
//! Deals are created and edited in a dialog, where they are also marked won or lost, reopened
//! and deleted; won and lost deals are listed under the board. Pipelines and their stages are
//! edited in another dialog.
use std::collections::BTreeMap;

use leptos::ev::{KeyboardEvent, PointerEvent, SubmitEvent};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use uuid::Uuid;

use super::{Access, CrmHeader, CrmIcon, form_alert, plural, unshown_error, use_access};
use crate::modules::auth::ui::field_error;
use crate::modules::crm::server_fns::{
    delete_deal, delete_pipeline, list_companies, list_contacts, list_deals, list_pipelines, move_deal, pipeline_board, save_deal, save_pipeline,
};
use crate::modules::crm::types::{
    BoardColumn, BoardView, ContactQuery, DealInput, DealMove, DealQuery, DealStatus, DealView, PipelineInput, PipelineView, StageInput, StageView,
};
use crate::modules::workspaces::ui::{FieldShell, Time, error_view, loading_view, when};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, TextField, ToastKind, loaded, use_toasts};

// ---- money

/// Digits after the decimal point of a currency's minor unit (ISO 4217; 2 unless listed).
pub(super) fn minor_digits(currency: &str) -> u32 {
    match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// "1,234.50" from 123450 minor units with two digits.
fn amount(minor: i64, digits: u32) -> String {
    let scale = 10i64.pow(digits);
    let (whole, frac) = (minor.unsigned_abs() / scale as u64, minor.unsigned_abs() % scale as u64);
    let raw = whole.to_string();
    let mut grouped = String::with_capacity(raw.len() + raw.len() / 3);
    for (i, c) in raw.chars().enumerate() {
        if i > 0 && (raw.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    if digits == 0 { format!("{sign}{grouped}") } else { format!("{sign}{grouped}.{frac:0width$}", width = digits as usize) }
}

/// "$1,234.50", "€90.00", "1,000 CHF…": a value in minor units with its currency.
pub(super) fn format_money(minor: i64, currency: &str) -> String {
    let text = amount(minor, minor_digits(currency));
    match currency {
        "USD" => format!("${text}"),
        "EUR" => format!("€{text}"),
        "GBP" => format!("£{text}"),
        "JPY" => format!("¥{text}"),
        _ => format!("{text} {currency}"),
    }
}

/// "1,234.5" → 123450 for a currency with two digits. Thousands commas and spaces are ignored;
/// no floats are involved.
pub(super) fn parse_money(raw: &str, currency: &str) -> Result<i64, String> {
    let digits = minor_digits(currency) as usize;
    let text: String = raw.chars().filter(|c| !matches!(c, ',' | ' ' | '_' | '\u{a0}')).collect();
    if text.is_empty() {
        return Ok(0);
    }
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !ok(whole) || !ok(frac) || (whole.is_empty() && frac.is_empty()) {
        return Err("Enter an amount like 1250 or 1250.50.".into());
    }
    if frac.len() > digits {
        return Err(if digits == 0 { format!("{currency} has no decimals.") } else { format!("Use at most {digits} decimals.") });
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "That amount is too large.".to_owned())? };
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<digits$}").parse().unwrap_or(0) };
    whole.checked_mul(10i64.pow(digits as u32)).and_then(|w| w.checked_add(frac)).ok_or_else(|| "That amount is too large.".into())
}

/// The amount as typed in the form: "1234.50" (no grouping), "" for nothing.
fn money_input(minor: i64, currency: &str) -> String {
    if minor == 0 { String::new() } else { amount(minor, minor_digits(currency)).replace(',', "") }
}

/// Per-currency sums of some deals, minor units.
fn totals(deals: &[DealView]) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for d in deals {
        *out.entry(d.currency.clone()).or_default() += d.value_minor;
    }
    out
}

fn totals_text(totals: &BTreeMap<String, i64>) -> String {
    if totals.is_empty() {
        return "No value yet".into();
    }
    totals.iter().map(|(c, v)| format_money(*v, c)).collect::<Vec<_>>().join(" + ")
}

// ---- moves

/// Where a deal is: its column and its index there.
fn place(cols: &[BoardColumn], deal: Uuid) -> Option<(usize, usize)> {
    cols.iter().enumerate().find_map(|(c, col)| col.deals.iter().position(|d| d.id == deal).map(|i| (c, i)))
}

/// Moves a deal into `stage` at `pos` among that stage's other deals, as the server will;
/// false when nothing changes.
fn apply_move(cols: &mut [BoardColumn], deal: Uuid, stage: Uuid, pos: usize) -> bool {
    let Some((from_c, from_i)) = place(cols, deal) else { return false };
    let Some(to_c) = cols.iter().position(|c| c.stage.id == stage) else { return false };
    let others = cols[to_c].deals.len() - usize::from(from_c == to_c);
    let pos = pos.min(others);
    if from_c == to_c && from_i == pos {
        return false;
    }
    let mut d = cols[from_c].deals.remove(from_i);
    d.stage_id = stage;
    cols[to_c].deals.insert(pos, d);
    for c in [from_c, to_c] {
        cols[c].totals = totals(&cols[c].deals);
    }
    true
}

/// A deal being carried: by which pointer, how far, and where it would land.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    deal: Uuid,
    pointer: i32,
    start_x: f64,
    start_y: f64,
    start_scroll: f64,
    dx: f64,
    dy: f64,
    /// Stage and place among that stage's other deals.
    target: Option<(Uuid, usize)>,
}

/// What the board's handlers share.
#[derive(Clone, Copy)]
struct Dnd {
    columns: RwSignal<Vec<BoardColumn>>,
    drag: RwSignal<Option<Drag>>,
    #[cfg_attr(not(feature = "hydrate"), expect(dead_code, reason = "measured in the browser only"))]
    board: NodeRef<leptos::html::Div>,
    moving: Callback<(Uuid, Uuid, usize)>,
}

fn drag_start(dnd: Dnd, deal: Uuid, ev: PointerEvent) {
    if !ev.is_primary() || ev.button() != 0 || dnd.drag.with_untracked(Option::is_some) {
        return;
    }
    #[cfg(feature = "hydrate")]
    {
        browser::capture(&ev);
        ev.prevent_default();
        let scroll = dnd.board.get_untracked().map(|b| f64::from(b.scroll_left())).unwrap_or_default();
        dnd.drag.set(Some(Drag {
            deal,
            pointer: ev.pointer_id(),
            start_x: f64::from(ev.client_x()),
            start_y: f64::from(ev.client_y()),
            start_scroll: scroll,
            dx: 0.0,
            dy: 0.0,
            target: None,
        }));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = deal;
}

fn drag_move(dnd: Dnd, ev: PointerEvent) {
    let Some(d) = dnd.drag.get_untracked().filter(|d| d.pointer == ev.pointer_id()) else { return };
    #[cfg(feature = "hydrate")]
    {
        let Some(board) = dnd.board.get_untracked() else { return };
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        browser::edge_scroll(&board, x);
        let scroll = f64::from(board.scroll_left());
        let target = browser::locate(&board, x, y, d.deal).or(d.target);
        dnd.drag.set(Some(Drag { dx: x - d.start_x + scroll - d.start_scroll, dy: y - d.start_y, target, ..d }));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = d;
}

fn drag_end(dnd: Dnd, ev: PointerEvent, commit: bool) {
    let Some(d) = dnd.drag.get_untracked() else { return };
    if ev.pointer_id() != d.pointer {
        return;
    }
    dnd.drag.set(None);
    if let Some((stage, pos)) = d.target.filter(|_| commit) {
        dnd.moving.run((d.deal, stage, pos));
    }
}

/// Arrow keys on a handle: left and right to the previous or next stage (at its end), up and
/// down within the stage.
fn key_move(dnd: Dnd, deal: Uuid, ev: KeyboardEvent) {
    let (dc, di): (isize, isize) = match ev.key().as_str() {
        "ArrowLeft" => (-1, 0),
        "ArrowRight" => (1, 0),
        "ArrowUp" => (0, -1),
        "ArrowDown" => (0, 1),
        _ => return,
    };
    ev.prevent_default();
    let target = dnd.columns.with_untracked(|cols| {
        let (c, i) = place(cols, deal)?;
        if dc != 0 {
            let to = c.checked_add_signed(dc).filter(|t| *t < cols.len())?;
            Some((cols[to].stage.id, cols[to].deals.len()))
        } else {
            let to = i.checked_add_signed(di).filter(|t| *t < cols[c].deals.len())?;
            Some((cols[c].stage.id, to))
        }
    });
    if let Some((stage, pos)) = target {
        dnd.moving.run((deal, stage, pos));
        focus(format!("deal-handle-{deal}"));
    }
}

fn focus(id: String) {
    #[cfg(feature = "hydrate")]
    browser::focus(id);
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

// ---- the page

#[component]
pub fn DealsPage() -> impl IntoView {
    let access = use_access();
    view! {
        <Title text="Deals"/>
        {move || access.get().map(|a| view! { <DealsBody a=a/> })}
    }
}

/// The dialogs' subjects.
#[derive(Debug, Clone, PartialEq)]
struct DealTarget {
    pipeline: PipelineView,
    deal: Option<DealView>,
    stage: Option<Uuid>,
    currency: String,
}

#[component]
fn DealsBody(a: Access) -> impl IntoView {
    let Access { slug, write, delete } = a;
    let slug = StoredValue::new(slug);
    let toasts = use_toasts();
    let chosen = RwSignal::new(None::<Uuid>);
    let reload = RwSignal::new(0u32);
    let data = Resource::new(
        move || (slug.get_value(), chosen.get(), reload.get()),
        |(slug, want, _)| async move {
            let pipes = list_pipelines(slug.clone()).await?;
            let pick = pipes.iter().find(|p| Some(p.id) == want).or(pipes.first()).map(|p| p.id);
            let Some(id) = pick else { return Ok::<_, AppError>((pipes, None, Vec::new())) };
            let board = pipeline_board(slug.clone(), id).await?;
            let mut closed = Vec::new();
            for status in ["won", "lost"] {
                closed.extend(list_deals(slug.clone(), DealQuery { pipeline_id: Some(id), status: Some(status.into()), contact_id: None }).await?);
            }
            // Newest first (the timestamps are RFC 3339 in UTC, so they sort as text).
            closed.sort_by(|a, b| b.closed_at.cmp(&a.closed_at));
            Ok((pipes, Some(board), closed))
        },
    );

    let deal_open = RwSignal::new(false);
    let deal_target = RwSignal::new(None::<DealTarget>);
    let open_deal = Callback::new(move |t: DealTarget| {
        deal_target.set(Some(t));
        deal_open.set(true);
    });
    let deal_saved = Callback::new(move |message: String| {
        toasts.show(ToastKind::Success, message);
        reload.update(|n| *n += 1);
    });

    let pipe_open = RwSignal::new(false);
    let pipe_target = RwSignal::new(None::<Option<PipelineView>>);
    let open_pipe = Callback::new(move |p: Option<PipelineView>| {
        pipe_target.set(Some(p));
        pipe_open.set(true);
    });
    let pipe_saved = Callback::new(move |(message, id): (String, Option<Uuid>)| {
        toasts.show(ToastKind::Success, message);
        chosen.set(id);
        reload.update(|n| *n += 1);
    });
    let pending = RwSignal::new(false);

    view! {
        <CrmHeader slug=slug.get_value() title="Deals" text="Your pipelines as boards: carry each deal to the stage it has reached.">
            {write.then(|| view! {
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open_pipe.run(None))>
                    <Icon name="plus"/>"New pipeline"
                </Button>
            })}
        </CrmHeader>
        <div class="crm-list" aria-busy=move || pending.get().then_some("true")>
            <Transition fallback=loading_view set_pending=pending>
                {move || Suspend::new(async move {
                    match loaded(data).await {
                        Err(err) => view! { <section class="card">{error_view(&err)}</section> }.into_any(),
                        Ok((_, None, _)) => view! {
                            <section class="card">
                                <EmptyState icon="chart" title="No pipelines yet"
                                    text=if write { "A pipeline is the stages a deal goes through, from first contact to won. Create one to start your board." } else { "Nobody has set up a sales pipeline in this workspace yet." }>
                                    {write.then(|| view! {
                                        <Button on_click=Callback::new(move |()| open_pipe.run(None))><Icon name="plus"/>"Create a pipeline"</Button>
                                    })}
                                </EmptyState>
                            </section>
                        }
                        .into_any(),
                        Ok((pipes, Some(board), closed)) => {
                            let pipeline = board.pipeline.clone();
                            let currency = board.columns.iter().flat_map(|c| c.deals.first()).map(|d| d.currency.clone()).next().unwrap_or_else(|| "USD".into());
                            let count: usize = board.columns.iter().map(|c| c.deals.len()).sum();
                            let new_deal = {
                                let (pipeline, currency) = (pipeline.clone(), currency.clone());
                                Callback::new(move |stage: Option<Uuid>| open_deal.run(DealTarget { pipeline: pipeline.clone(), deal: None, stage, currency: currency.clone() }))
                            };
                            let edit_deal = {
                                let pipeline = pipeline.clone();
                                Callback::new(move |d: DealView| open_deal.run(DealTarget { pipeline: pipeline.clone(), currency: d.currency.clone(), stage: Some(d.stage_id), deal: Some(d) }))
                            };
                            let current = pipeline.id;
                            let edit_pipe = pipeline.clone();
                            view! {
                                <section class="card deal-toolbar" aria-label="Pipeline">
                                    <div class="field deal-picker">
                                        <label class="field-label" for="deal-pipeline">"Pipeline"</label>
                                        <select id="deal-pipeline" class="field-input field-select"
                                            on:change=move |ev| chosen.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                                            {pipes.into_iter().map(|p| view! {
                                                <option value=p.id.to_string() selected=p.id == current>{p.name}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                    <p class="meta deal-summary" role="status">{plural(count as u64, "open deal", "open deals")}</p>
                                    {write.then(|| view! {
                                        <div class="deal-toolbar-actions">
                                            <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open_pipe.run(Some(edit_pipe.clone())))>
                                                <CrmIcon name="pencil"/>"Edit pipeline"
                                            </Button>
                                            <Button on_click=Callback::new(move |()| new_deal.run(None))><Icon name="plus"/>"New deal"</Button>
                                        </div>
                                    })}
                                </section>
                                {(count == 0).then(|| view! {
                                    <p class="callout">{if write { "No open deals in this pipeline. Add one with “New deal” or the + of a stage." } else { "No open deals in this pipeline." }}</p>
                                })}
                                <Board slug=slug board=board write=write edit=edit_deal add=new_deal/>
                                {(!closed.is_empty()).then(|| view! { <ClosedDeals deals=closed write=write edit=edit_deal/> })}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        {write.then(|| view! {
            <Dialog open=deal_open title="Deal">
                {move || deal_target.get().map(|t| view! { <DealForm slug=slug target=t can_delete=delete open=deal_open saved=deal_saved/> })}
            </Dialog>
            <Dialog open=pipe_open title="Pipeline">
                {move || pipe_target.get().map(|p| view! { <PipelineForm slug=slug target=p can_delete=delete open=pipe_open saved=pipe_saved/> })}
            </Dialog>
        })}
    }
}

/// The board: one column per stage, scrolled sideways (and snapping) on phones.
#[component]
fn Board(slug: StoredValue<String>, board: BoardView, write: bool, edit: Callback<DealView>, add: Callback<Option<Uuid>>) -> impl IntoView {
    let toasts = use_toasts();
    let stages = board.pipeline.stages.clone();
    let columns = RwSignal::new(board.columns);
    let drag = RwSignal::new(None::<Drag>);
    let board_ref = NodeRef::<leptos::html::Div>::new();
    let moving = Callback::new(move |(deal, stage, pos): (Uuid, Uuid, usize)| {
        let before = columns.get_untracked();
        let mut after = before.clone();
        if !apply_move(&mut after, deal, stage, pos) {
            return;
        }
        columns.set(after);
        let slug = slug.get_value();
        spawn_local(async move {
            if let Err(err) = move_deal(slug, deal, DealMove { stage_id: stage, position: pos as u32 }).await {
                let _ = columns.try_set(before);
                toasts.show(ToastKind::Error, format!("The deal was not moved: {err}"));
            }
        });
    });
    let dnd = Dnd { columns, drag, board: board_ref, moving };
    let stage_options: Vec<(Uuid, String)> = stages.iter().map(|s| (s.id, s.name.clone())).collect();
    let stage_options = StoredValue::new(stage_options);

    let card = move |d: DealView| {
        let id = d.id;
        let title = d.title.clone();
        let dragged = move || drag.with(|x| x.is_some_and(|x| x.deal == id));
        let drop_before = move || {
            let Some((stage, pos)) = drag.with(|x| x.filter(|x| x.deal != id).and_then(|x| x.target)) else { return false };
            let dragging = drag.with(|x| x.map(|x| x.deal));
            columns.with(|cols| cols.iter().find(|c| c.stage.id == stage).and_then(|c| c.deals.iter().filter(|o| Some(o.id) != dragging).position(|o| o.id == id))) == Some(pos)
        };
        let class = move || {
            let mut class = String::from("deal-card");
            if dragged() {
                class.push_str(" is-dragged");
            }
            if drop_before() {
                class.push_str(" drop-before");
            }
            class
        };
        let style = move || drag.with(|x| x.filter(|x| x.deal == id).map(|x| format!("transform:translate({:.1}px,{:.1}px) rotate(1.5deg)", x.dx, x.dy)));
        let handle = write.then(|| {
            view! {
                <span class="deal-handle" id=format!("deal-handle-{id}") role="button" tabindex="0" aria-describedby="deal-drag-help"
                    aria-label=format!("Move {title}")
                    on:pointerdown=move |ev| drag_start(dnd, id, ev)
                    on:pointermove=move |ev| drag_move(dnd, ev)
                    on:pointerup=move |ev| drag_end(dnd, ev, true)
                    on:pointercancel=move |ev| drag_end(dnd, ev, false)
                    on:keydown=move |ev| key_move(dnd, id, ev)>
                    <CrmIcon name="grip"/>
                </span>
            }
        });
        let name = if write {
            let target = d.clone();
            view! { <button type="button" class="deal-title" on:click=move |_| edit.run(target.clone())>{d.title.clone()}</button> }.into_any()
        } else {
            view! { <span class="deal-title">{d.title.clone()}</span> }.into_any()
        };
        let who = [d.contact_name.clone(), d.company_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        let mover = write.then(|| {
            let current = d.stage_id;
            let label = format!("Move {} to", d.title);
            view! {
                <label class="deal-move">
                    <span class="sr-only">{label}</span>
                    <span aria-hidden="true">"Move to"</span>
                    <select id=format!("deal-move-{id}") class="field-input field-select"
                        on:change=move |ev| {
                            if let Ok(stage) = Uuid::parse_str(&event_target_value(&ev)) {
                                let end = columns.with_untracked(|cols| cols.iter().find(|c| c.stage.id == stage).map_or(0, |c| c.deals.len()));
                                moving.run((id, stage, end));
                                focus(format!("deal-move-{id}"));
                            }
                        }>
                        {stage_options.with_value(|opts| opts.iter().map(|(sid, name)| view! {
                            <option value=sid.to_string() selected=*sid == current>{name.clone()}</option>
                        }).collect_view())}
                    </select>
                </label>
            }
        });
        view! {
            <li class=class style=style data-deal=id.to_string()>
                <div class="deal-card-main">
                    {handle}
                    <div class="deal-card-text">
                        {name}
                        <span class="deal-value">{format_money(d.value_minor, &d.currency)}</span>
                        {(!who.is_empty()).then(|| view! { <span class="meta break">{who}</span> })}
                        {d.expected_close.clone().map(|c| view! { <span class="meta">"Closes "{when(&c, false)}</span> })}
                    </div>
                </div>
                {mover}
            </li>
        }
    };

    let column = move |stage: StageView| {
        let sid = stage.id;
        let deals = Memo::new(move |_| columns.with(|cols| cols.iter().find(|c| c.stage.id == sid).map(|c| c.deals.clone()).unwrap_or_default()));
        let total = move || columns.with(|cols| cols.iter().find(|c| c.stage.id == sid).map(|c| totals_text(&c.totals)).unwrap_or_default());
        let target = move || drag.with(|d| d.and_then(|d| d.target).filter(|(s, _)| *s == sid).map(|(_, p)| p));
        let drop_end = move || {
            let dragging = drag.with(|d| d.map(|d| d.deal));
            target().is_some_and(|p| p == deals.with(|ds| ds.iter().filter(|d| Some(d.id) != dragging).count()))
        };
        let heading = format!("deal-col-{sid}");
        let labelled_by = heading.clone();
        let name = stage.name.clone();
        view! {
            <section class=move || if target().is_some() { "deal-col is-target" } else { "deal-col" } data-stage=sid.to_string() aria-labelledby=labelled_by>
                <header class="deal-col-head">
                    <div class="deal-col-title">
                        <h2 id=heading class="deal-col-name break">{stage.name.clone()}</h2>
                        <span class="badge" aria-label=move || plural(deals.with(Vec::len) as u64, "deal", "deals")>{move || deals.with(Vec::len)}</span>
                    </div>
                    <p class="deal-col-total">{total}</p>
                    {write.then(|| view! {
                        <button type="button" class="icon-btn deal-add" aria-label=format!("Add a deal to {name}") on:click=move |_| add.run(Some(sid))>
                            <Icon name="plus"/>
                        </button>
                    })}
                </header>
                <ul class=move || if drop_end() { "deal-list drop-end" } else { "deal-list" } aria-label=format!("Deals in {}", stage.name)>
                    <For each=move || deals.get() key=|d| d.id children=card/>
                    <Show when=move || deals.with(Vec::is_empty)>
                        <li class="deal-empty">"No deals"</li>
                    </Show>
                </ul>
            </section>
        }
    };

    view! {
        {write.then(|| view! {
            <p id="deal-drag-help" class="sr-only">"Use the arrow keys to move the deal: left and right between stages, up and down within a stage."</p>
        })}
        <div class=move || if drag.with(Option::is_some) { "deal-board is-dragging" } else { "deal-board" } node_ref=board_ref>
            {stages.into_iter().map(column).collect_view()}
        </div>
    }
}

/// The pipeline's won and lost deals, newest first, with what each brought or why it was lost;
/// the board shows open deals only. A deal opens in the dialog, where it can be reopened.
#[component]
fn ClosedDeals(deals: Vec<DealView>, write: bool, edit: Callback<DealView>) -> impl IntoView {
    let showing = RwSignal::new(DealStatus::Won);
    let deals = StoredValue::new(deals);
    let of = move |status: DealStatus| deals.with_value(|ds| ds.iter().filter(|d| d.status == status).cloned().collect::<Vec<_>>());
    let tab = move |status: DealStatus, label: &'static str| {
        let count = of(status).len();
        view! {
            <button type="button" class="segment" aria-pressed=move || (showing.get() == status).to_string() on:click=move |_| showing.set(status)>
                {label}" "<span class="badge">{count}</span>
            </button>
        }
    };
    let row = move |d: DealView| {
        let who = [d.contact_name.clone(), d.company_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        let title = if write {
            let target = d.clone();
            view! { <button type="button" class="deal-title" on:click=move |_| edit.run(target.clone())>{d.title.clone()}</button> }.into_any()
        } else {
            view! { <span class="deal-title">{d.title.clone()}</span> }.into_any()
        };
        view! {
            <li class="deal-closed-row">
                <div class="deal-card-text">
                    {title}
                    {(!who.is_empty()).then(|| view! { <span class="meta break">{who}</span> })}
                    {d.lost_reason.clone().map(|r| view! { <span class="meta break">"Why: "{r}</span> })}
                </div>
                <div class="deal-closed-side">
                    <span class="deal-value">{format_money(d.value_minor, &d.currency)}</span>
                    {d.closed_at.clone().map(|at| view! { <span class="meta"><Time at=at date_only=true/></span> })}
                </div>
            </li>
        }
    };
    view! {
        <section class="card stack-sm deal-closed" aria-labelledby="deal-closed-title">
            <div class="deal-closed-head">
                <h2 id="deal-closed-title" class="card-title">"Closed deals"</h2>
                <div class="segmented" role="group" aria-label="Which closed deals">
                    {tab(DealStatus::Won, "Won")}
                    {tab(DealStatus::Lost, "Lost")}
                </div>
            </div>
            <p class="meta" role="status">
                {move || {
                    let list = of(showing.get());
                    let total = totals_text(&totals(&list));
                    match (showing.get(), list.is_empty()) {
                        (DealStatus::Won, true) => "No deal of this pipeline has been won yet.".to_owned(),
                        (_, true) => "No deal of this pipeline has been lost.".to_owned(),
                        (DealStatus::Won, false) => format!("{} won: {total}", plural(list.len() as u64, "deal", "deals")),
                        (_, false) => format!("{} lost: {total}", plural(list.len() as u64, "deal", "deals")),
                    }
                }}
            </p>
            <ul class="deal-closed-list" aria-label=move || if showing.get() == DealStatus::Won { "Won deals" } else { "Lost deals" }>
                {move || of(showing.get()).into_iter().map(row).collect_view()}
            </ul>
        </section>
    }
}

// ---- the deal dialog

fn uuid_or_none(raw: &str) -> Option<Uuid> {
    Uuid::parse_str(raw.trim()).ok()
}

/// Title, value, contact, company, close date and stage of a new deal or one being edited;
/// won, lost (with the reason) and delete for an existing one.
#[component]
fn DealForm(slug: StoredValue<String>, target: DealTarget, can_delete: bool, open: RwSignal<bool>, saved: Callback<String>) -> impl IntoView {
    let DealTarget { pipeline, deal, stage, currency: default_currency } = target;
    let id = deal.as_ref().map(|d| d.id);
    let first_stage = pipeline.stages.first().map(|s| s.id);
    let old_stage = deal.as_ref().map(|d| d.stage_id);
    let d = deal.clone();
    // A won or lost deal: its outcome, when, and why it was lost.
    let closed = d.as_ref().filter(|d| d.status != DealStatus::Open).map(|d| (d.status, d.closed_at.clone().unwrap_or_default(), d.lost_reason.clone()));
    let title = RwSignal::new(d.as_ref().map(|d| d.title.clone()).unwrap_or_default());
    let currency = RwSignal::new(d.as_ref().map_or(default_currency, |d| d.currency.clone()));
    let value = RwSignal::new(d.as_ref().map(|d| money_input(d.value_minor, &d.currency)).unwrap_or_default());
    let stage_id = RwSignal::new(stage.or(first_stage).map(|s| s.to_string()).unwrap_or_default());
    let contact = RwSignal::new(d.as_ref().and_then(|d| d.contact_id).map(|c| c.to_string()).unwrap_or_default());
    let company = RwSignal::new(d.as_ref().and_then(|d| d.company_id).map(|c| c.to_string()).unwrap_or_default());
    let close = RwSignal::new(d.as_ref().and_then(|d| d.expected_close.clone()).unwrap_or_default());
    let errors = RwSignal::new(None::<AppError>);
    let value_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let losing = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let confirm_delete = RwSignal::new(false);

    // Choices for the contact and company, loaded when the dialog opens; the deal's own stay
    // listed even beyond the first 200.
    let contacts = RwSignal::new(d.as_ref().and_then(|d| d.contact_id.map(|c| vec![(c, d.contact_name.clone().unwrap_or_default())])).unwrap_or_default());
    let companies = RwSignal::new(d.as_ref().and_then(|d| d.company_id.map(|c| vec![(c, d.company_name.clone().unwrap_or_default())])).unwrap_or_default());
    Effect::new(move |_| {
        let slug = slug.get_value();
        spawn_local(async move {
            let query = ContactQuery { sort: Some("name".into()), limit: Some(200), ..ContactQuery::default() };
            if let Ok(page) = list_contacts(slug.clone(), query).await {
                let _ = contacts.try_update(|list| {
                    for c in page.items {
                        if !list.iter().any(|(id, _)| *id == c.id) {
                            list.push((c.id, c.name));
                        }
                    }
                });
            }
            if let Ok(found) = list_companies(slug, None, false).await {
                let _ = companies.try_update(|list| {
                    for c in found {
                        if !list.iter().any(|(id, _)| *id == c.id) {
                            list.push((c.id, c.name));
                        }
                    }
                });
            }
        });
    });

    let run = move |input: DealInput, message: String| {
        saving.set(true);
        let slug = slug.get_value();
        spawn_local(async move {
            let result = save_deal(slug, id, input).await;
            saving.set(false);
            match result {
                Ok(_) => {
                    open.set(false);
                    saved.run(message);
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let pipeline_id = pipeline.id;
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let name = title.get_untracked().trim().to_owned();
        let cur = currency.get_untracked().trim().to_ascii_uppercase();
        let minor = match parse_money(&value.get_untracked(), &cur) {
            Ok(v) => v,
            Err(e) => {
                value_error.set(Some(e));
                return;
            }
        };
        value_error.set(None);
        if name.is_empty() {
            errors.set(Some(AppError::field("title", "Name the deal.")));
            return;
        }
        let stage = uuid_or_none(&stage_id.get_untracked());
        let date = close.get_untracked().trim().to_owned();
        let input = DealInput {
            title: Some(name.clone()),
            value_minor: Some(minor),
            currency: Some(cur),
            pipeline_id: id.is_none().then_some(pipeline_id),
            stage_id: stage.filter(|s| Some(*s) != old_stage),
            contact_id: Some(uuid_or_none(&contact.get_untracked())),
            company_id: Some(uuid_or_none(&company.get_untracked())),
            expected_close: Some((!date.is_empty()).then_some(date)),
            ..DealInput::default()
        };
        errors.set(None);
        run(input, if id.is_some() { format!("Saved {name}.") } else { format!("Added {name}.") });
    };
    let won = move |()| {
        if saving.get_untracked() {
            return;
        }
        errors.set(None);
        run(DealInput { status: Some(DealStatus::Won), ..DealInput::default() }, format!("Marked {} as won.", title.get_untracked().trim()));
    };
    let lost = move |()| {
        if saving.get_untracked() {
            return;
        }
        let why = reason.get_untracked().trim().to_owned();
        if why.is_empty() {
            errors.set(Some(AppError::field("lost_reason", "Say why the deal was lost.")));
            return;
        }
        errors.set(None);
        run(DealInput { status: Some(DealStatus::Lost), lost_reason: Some(why), ..DealInput::default() }, format!("Marked {} as lost.", title.get_untracked().trim()));
    };
    let reopen = move |()| {
        if saving.get_untracked() {
            return;
        }
        errors.set(None);
        run(DealInput { status: Some(DealStatus::Open), ..DealInput::default() }, format!("Reopened {}.", title.get_untracked().trim()));
    };
    let remove = move |()| {
        let Some(id) = id else { return };
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        let slug = slug.get_value();
        let name = title.get_untracked();
        spawn_local(async move {
            let result = delete_deal(slug, id).await;
            saving.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    saved.run(format!("Deleted {}.", name.trim()));
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };

    let other = Signal::derive(move || {
        errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["title", "value_minor", "currency", "stage_id", "contact_id", "company_id", "expected_close", "lost_reason"])))
    });
    let value_message = Signal::derive(move || value_error.get().or_else(|| field_error(errors, "value_minor").get()));
    let stages: Vec<(String, String)> = pipeline.stages.iter().map(|s| (s.id.to_string(), s.name.clone())).collect();
    let stage_current = stage_id.get_untracked();
    let picker = move |id: &'static str, none: &'static str, choices: RwSignal<Vec<(Uuid, String)>>, chosen: RwSignal<String>| {
        move || {
            let current = chosen.get_untracked();
            view! {
                <select id=id class="field-input field-select" aria-describedby=format!("{id}-desc") on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="" selected=current.is_empty()>{none}</option>
                    {choices.get().into_iter().map(|(cid, name)| {
                        let v = cid.to_string();
                        let selected = v == current;
                        view! { <option value=v selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            }
        }
    };
    view! {
        <form class="stack deal-form" novalidate on:submit=submit>
            <p class="meta">{if id.is_some() { "Edit the deal in " } else { "A new deal in " }}<strong>{pipeline.name.clone()}</strong></p>
            <TextField label="Title" name="deal-title" autocomplete="off" value=title error=field_error(errors, "title")/>
            <div class="form-grid">
                <TextField label="Value" name="deal-value" autocomplete="off" value=value error=value_message hint="Like 1250.50"/>
                <TextField label="Currency" name="deal-currency" autocomplete="off" value=currency error=field_error(errors, "currency") hint="USD, EUR…"/>
            </div>
            <FieldShell label="Stage" id="field-deal-stage".into() hint=None error=field_error(errors, "stage_id")>
                <select id="field-deal-stage" class="field-input field-select" aria-describedby="field-deal-stage-desc" on:change=move |ev| stage_id.set(event_target_value(&ev))>
                    {stages.into_iter().map(|(v, name)| {
                        let selected = v == stage_current;
                        view! { <option value=v selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </FieldShell>
            <div class="form-grid">
                <FieldShell label="Contact" id="field-deal-contact".into() hint=None error=field_error(errors, "contact_id")>
                    {picker("field-deal-contact", "No contact", contacts, contact)}
                </FieldShell>
                <FieldShell label="Company" id="field-deal-company".into() hint=None error=field_error(errors, "company_id")>
                    {picker("field-deal-company", "No company", companies, company)}
                </FieldShell>
            </div>
            <FieldShell label="Expected close" id="field-deal-close".into() hint=None error=field_error(errors, "expected_close")>
                <input id="field-deal-close" type="date" class="field-input" aria-describedby="field-deal-close-desc"
                    prop:value=move || close.get() on:input=move |ev| close.set(event_target_value(&ev))/>
            </FieldShell>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>{if id.is_some() { "Save deal" } else { "Create deal" }}</Button>
            </div>
            {id.map(|_| view! {
                <div class="deal-close-out stack-sm">
                    <h3 class="subsection-title">{if closed.is_some() { "Closed" } else { "Close the deal" }}</h3>
                    {closed.clone().map(|(status, at, reason)| view! {
                        <p class="meta">
                            {if status == DealStatus::Won { "Won on " } else { "Lost on " }}<Time at=at date_only=true/>
                            {reason.map(|r| format!(": {r}"))}
                        </p>
                    })}
                    <div class="row">
                        {if closed.is_some() {
                            view! {
                                <Button variant=ButtonVariant::Secondary loading=saving on_click=Callback::new(reopen)><CrmIcon name="undo"/>"Reopen"</Button>
                            }.into_any()
                        } else {
                            view! {
                                <Button variant=ButtonVariant::Secondary loading=saving on_click=Callback::new(won)><Icon name="check"/>"Mark won"</Button>
                                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| losing.update(|l| *l = !*l))><CrmIcon name="x"/>"Mark lost"</Button>
                            }.into_any()
                        }}
                        {can_delete.then(|| view! {
                            <Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| confirm_delete.set(true))><Icon name="trash"/>"Delete"</Button>
                        })}
                    </div>
                    <Show when=move || losing.get()>
                        <FieldShell label="Why was it lost?" id="field-deal-reason".into() hint=Some("Kept with the deal and on the contact's timeline.".into()) error=field_error(errors, "lost_reason")>
                            <textarea id="field-deal-reason" class="field-input crm-textarea" rows="2" aria-describedby="field-deal-reason-desc"
                                prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                        </FieldShell>
                        <div class="row">
                            <Button variant=ButtonVariant::Danger loading=saving on_click=Callback::new(lost)>"Confirm lost"</Button>
                        </div>
                    </Show>
                    <Show when=move || confirm_delete.get()>
                        <div class="callout callout-warning stack-sm" role="alert">
                            <p>"Delete this deal for good? Won and lost deals can be kept instead."</p>
                            <div class="row">
                                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm_delete.set(false))>"Keep it"</Button>
                                <Button variant=ButtonVariant::Danger loading=saving on_click=Callback::new(remove)>"Delete deal"</Button>
                            </div>
                        </div>
                    </Show>
                </div>
            })}
        </form>
    }
}

// ---- the pipeline dialog

#[derive(Debug, Clone, Copy)]
struct StageDraft {
    key: u64,
    id: Option<Uuid>,
    name: RwSignal<String>,
    probability: u8,
}

const DEFAULT_STAGES: [&str; 5] = ["Lead", "Qualified", "Proposal", "Negotiation", "Closing"];

/// A pipeline's name and its stages in board order: add, rename, reorder and remove (the
/// server refuses to remove a stage that still has deals). Delete for an existing one.
#[component]
fn PipelineForm(
    slug: StoredValue<String>,
    target: Option<PipelineView>,
    can_delete: bool,
    open: RwSignal<bool>,
    saved: Callback<(String, Option<Uuid>)>,
) -> impl IntoView {
    let id = target.as_ref().map(|p| p.id);
    let name = RwSignal::new(target.as_ref().map(|p| p.name.clone()).unwrap_or_else(|| "Sales".into()));
    let next = StoredValue::new(0u64);
    let draft = move |id: Option<Uuid>, text: String, probability: u8| {
        let key = next.get_value();
        next.set_value(key + 1);
        StageDraft { key, id, name: RwSignal::new(text), probability }
    };
    let initial: Vec<StageDraft> = match &target {
        Some(p) => p.stages.iter().map(|s| draft(Some(s.id), s.name.clone(), s.probability)).collect(),
        None => DEFAULT_STAGES.iter().map(|s| draft(None, (*s).to_owned(), 0)).collect(),
    };
    let stages = RwSignal::new(initial);
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    let shift = move |key: u64, delta: isize| {
        stages.update(|s| {
            if let Some(i) = s.iter().position(|d| d.key == key)
                && let Some(j) = i.checked_add_signed(delta).filter(|j| *j < s.len())
            {
                s.swap(i, j);
            }
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let n = name.get_untracked().trim().to_owned();
        if n.is_empty() {
            errors.set(Some(AppError::field("name", "Name the pipeline.")));
            return;
        }
        let list: Vec<StageInput> = stages.with_untracked(|s| {
            s.iter().map(|d| StageInput { id: d.id, name: d.name.get_untracked().trim().to_owned(), probability: d.probability }).collect()
        });
        if let Some(i) = list.iter().position(|s| s.name.is_empty()) {
            errors.set(Some(AppError::field("stages", format!("Name stage {}.", i + 1))));
            return;
        }
        errors.set(None);
        saving.set(true);
        let slug = slug.get_value();
        spawn_local(async move {
            let result = save_pipeline(slug, id, PipelineInput { name: Some(n), stages: Some(list) }).await;
            saving.set(false);
            match result {
                Ok(p) => {
                    open.set(false);
                    saved.run((format!("Saved the pipeline {}.", p.name), Some(p.id)));
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let remove = move |()| {
        let Some(id) = id else { return };
        saving.set(true);
        let slug = slug.get_value();
        spawn_local(async move {
            let result = delete_pipeline(slug, id).await;
            saving.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    saved.run(("Deleted the pipeline.".into(), None));
                }
                Err(err) => errors.set(Some(err)),
            }
        });
    };
    let other = Signal::derive(move || errors.with(|e| e.as_ref().and_then(|e| unshown_error(e, &["name"]))));
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Pipeline name" name="pipeline-name" autocomplete="off" value=name error=field_error(errors, "name")/>
            <fieldset class="plain-fieldset stack-sm">
                <legend class="field-label">"Stages, in board order"</legend>
                <ol class="stage-list">
                    // Keyed by place too, so a moved row is drawn anew. No `disabled` on these
                    // buttons: in rows of a keyed <For> it was rendered as `disabled="4"` and stuck
                    // (a moved stage could not go back down); a move past either end does nothing.
                    <For
                        each=move || { let s = stages.get(); let n = s.len(); s.into_iter().enumerate().map(move |(i, d)| (i, n, d)).collect::<Vec<_>>() }
                        key=|(i, n, d)| (*i, *n, d.key)
                        let:((i, _, d))
                    >
                        {
                            let key = d.key;
                            view! {
                                <li class="stage-row">
                                    <input class="field-input" type="text" autocomplete="off" aria-label=format!("Stage {} name", i + 1)
                                        prop:value=move || d.name.get() on:input=move |ev| d.name.set(event_target_value(&ev))/>
                                    <button type="button" class="icon-btn" aria-label=format!("Move stage {} up", i + 1)
                                        on:click=move |_| shift(key, -1)><CrmIcon name="up"/></button>
                                    <button type="button" class="icon-btn" aria-label=format!("Move stage {} down", i + 1)
                                        on:click=move |_| shift(key, 1)><CrmIcon name="down"/></button>
                                    <button type="button" class="icon-btn crm-rule-remove" aria-label=format!("Remove stage {}", i + 1)
                                        on:click=move |_| stages.update(|s| if s.len() > 1 { s.retain(|x| x.key != key) })><Icon name="trash"/></button>
                                </li>
                            }
                        }
                    </For>
                </ol>
                <div>
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| {
                        let d = draft(None, String::new(), 0);
                        stages.update(|s| s.push(d));
                        focus_last_stage();
                    })><Icon name="plus"/>"Add stage"</Button>
                </div>
            </fieldset>
            {form_alert(other)}
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>{if id.is_some() { "Save pipeline" } else { "Create pipeline" }}</Button>
            </div>
            {(id.is_some() && can_delete).then(|| view! {
                <div class="stack-sm deal-close-out">
                    <Show when=move || confirm_delete.get() fallback=move || view! {
                        <div><Button variant=ButtonVariant::Ghost on_click=Callback::new(move |()| confirm_delete.set(true))><Icon name="trash"/>"Delete pipeline"</Button></div>
                    }>
                        <div class="callout callout-warning stack-sm" role="alert">
                            <p>"Delete this pipeline with all its stages and deals? This cannot be undone."</p>
                            <div class="row">
                                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| confirm_delete.set(false))>"Keep it"</Button>
                                <Button variant=ButtonVariant::Danger loading=saving on_click=Callback::new(remove)>"Delete pipeline"</Button>
                            </div>
                        </div>
                    </Show>
                </div>
            })}
        </form>
    }
}

fn focus_last_stage() {
    #[cfg(feature = "hydrate")]
    browser::focus_last(".stage-row:last-child input");
}

#[cfg(feature = "hydrate")]
mod browser {
    use uuid::Uuid;
    use wasm_bindgen::JsCast;

    /// Keeps the pointer's events coming to the handle wherever the finger goes.
    pub fn capture(ev: &web_sys::PointerEvent) {
        if let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
    }

    /// The stage column under `x` and the place among its other deals for a card at `y`.
    pub fn locate(board: &web_sys::Element, x: f64, y: f64, deal: Uuid) -> Option<(Uuid, usize)> {
        let deal = deal.to_string();
        let cols = board.children();
        for i in 0..cols.length() {
            let col = cols.item(i)?;
            let r = col.get_bounding_client_rect();
            if x < r.left() || x > r.right() {
                continue;
            }
            let stage = Uuid::parse_str(&col.get_attribute("data-stage")?).ok()?;
            let list = col.query_selector(".deal-list").ok()??;
            let cards = list.children();
            let mut pos = 0;
            for j in 0..cards.length() {
                let Some(card) = cards.item(j) else { continue };
                match card.get_attribute("data-deal") {
                    Some(id) if id != deal => {
                        let c = card.get_bounding_client_rect();
                        if y > c.top() + c.height() / 2.0 {
                            pos += 1;
                        }
                    }
                    _ => {}
                }
            }
            return Some((stage, pos));
        }
        None
    }

    /// Scrolls the board sideways while a card is held near its left or right edge.
    pub fn edge_scroll(board: &web_sys::Element, x: f64) {
        let r = board.get_bounding_client_rect();
        let step = if x < r.left() + 40.0 {
            -16
        } else if x > r.right() - 40.0 {
            16
        } else {
            return;
        };
        board.set_scroll_left(board.scroll_left() + step);
    }

    /// Focuses the element with this id once the current update is on screen.
    pub fn focus(id: String) {
        leptos::prelude::request_animation_frame(move || {
            let found = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id));
            if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    }

    pub fn focus_last(selector: &'static str) {
        leptos::prelude::request_animation_frame(move || {
            let found = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(selector).ok().flatten());
            if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deal(id: u128, stage: Uuid, value: i64) -> DealView {
        DealView {
            id: Uuid::from_u128(id),
            pipeline_id: Uuid::nil(),
            stage_id: stage,
            position: 0,
            title: format!("d{id}"),
            value_minor: value,
            currency: "USD".into(),
            contact_id: None,
            contact_name: None,
            company_id: None,
            company_name: None,
            owner_id: None,
            expected_close: None,
            status: DealStatus::Open,
            lost_reason: None,
            closed_at: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn column(stage: u128, deals: Vec<DealView>) -> BoardColumn {
        BoardColumn { stage: StageView { id: Uuid::from_u128(stage), name: format!("s{stage}"), probability: 0, position: 0 }, totals: totals(&deals), deals }
    }

    #[test]
    fn money_is_formatted_and_parsed_in_minor_units() {
        assert_eq!(format_money(123_450, "USD"), "$1,234.50");
        assert_eq!(format_money(5, "EUR"), "€0.05");
        assert_eq!(format_money(1_000_000, "JPY"), "¥1,000,000");
        assert_eq!(format_money(1_500, "KWD"), "1.500 KWD");
        assert_eq!(format_money(99_900, "CHF"), "999.00 CHF");
        assert_eq!(parse_money("1,234.5", "USD"), Ok(123_450));
        assert_eq!(parse_money(" 12 ", "EUR"), Ok(1_200));
        assert_eq!(parse_money(".5", "USD"), Ok(50));
        assert_eq!(parse_money("", "USD"), Ok(0));
        assert_eq!(parse_money("1500", "JPY"), Ok(1_500));
        assert!(parse_money("1.5", "JPY").is_err() && parse_money("1.234", "USD").is_err());
        assert!(parse_money("-5", "USD").is_err() && parse_money("abc", "USD").is_err() && parse_money(".", "USD").is_err());
        assert!(parse_money("99999999999999999999", "USD").is_err());
        assert_eq!(money_input(123_450, "USD"), "1234.50");
        assert_eq!(money_input(0, "USD"), "");
    }

    #[test]
    fn moves_change_columns_and_totals_like_the_server() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut cols = vec![column(1, vec![deal(10, a, 100), deal(11, a, 200)]), column(2, vec![deal(12, b, 50)])];
        assert!(!apply_move(&mut cols, Uuid::from_u128(10), a, 0), "already there");
        assert!(apply_move(&mut cols, Uuid::from_u128(10), b, 0));
        assert_eq!(cols[1].deals.iter().map(|d| d.id.as_u128()).collect::<Vec<_>>(), [10, 12]);
        assert_eq!(cols[1].deals[0].stage_id, b);
        assert_eq!((cols[0].totals["USD"], cols[1].totals["USD"]), (200, 150));
        assert!(apply_move(&mut cols, Uuid::from_u128(10), b, 9), "past the end is the end");
        assert_eq!(cols[1].deals.iter().map(|d| d.id.as_u128()).collect::<Vec<_>>(), [12, 10]);
        assert!(!apply_move(&mut cols, Uuid::from_u128(99), b, 0), "unknown deal");
        assert_eq!(totals_text(&cols[1].totals), "$1.50");
        assert_eq!(totals_text(&BTreeMap::new()), "No value yet");
    }
}
