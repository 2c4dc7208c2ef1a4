//! The SQL of the CRM. Every query binds the workspace id: the tenant's, or for the public
//! flows other modules run (a sign-up form, a checkout), the workspace of the published thing
//! the visitor used. Lists and segments share one WHERE builder, `push_where`.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{FromRow, MySql, MySqlExecutor, QueryBuilder};
use uuid::Uuid;

use crate::server::error::AppError;

use super::types::{Consent, CustomFieldView, FieldKind, FieldType, Filter, Match, Op, Rule, SortKey, field_type, parse_date};

/// A timestamp rule's bound: the date's midnight UTC.
fn timestamp_bound(v: &str) -> Option<DateTime<Utc>> {
    let (y, m, d) = parse_date(v)?;
    Some(chrono::NaiveDate::from_ymd_opt(y, m, d)?.and_hms_opt(0, 0, 0)?.and_utc())
}

#[derive(Debug, Clone, FromRow)]
pub struct ContactRow {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub emails: String,
    pub phones: String,
    pub company_id: Option<Uuid>,
    pub company_name: Option<String>,
    pub job_title: String,
    pub address_line: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub notes: String,
    pub owner_id: Option<Uuid>,
    pub source: String,
    pub custom: String,
    pub consent_status: String,
    pub consent_at: Option<DateTime<Utc>>,
    pub consent_source: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const CONTACT_COLUMNS: &str = "c.id, c.first_name, c.last_name, c.email, c.phone, c.emails, c.phones, c.company_id, \
     co.name as company_name, c.job_title, c.address_line, c.city, c.region, c.postal_code, c.country, c.notes, c.owner_id, \
     c.source, c.custom, c.consent_status, c.consent_at, c.consent_source, c.deleted_at, c.created_at, c.updated_at";

/// How a list reaches the tags its conditions name. As `exists`, MariaDB starts from the tag's
/// contacts and sorts all of them for the page: fast for a few hundred, half a second for
/// 20,000. As a scalar subquery it walks the sort index and checks each contact, stopping at
/// the end of the page: fast when many contacts match, a full scan when almost none do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagPlan {
    FromTag,
    PerRow,
}

impl TagPlan {
    /// The plan for a list with this many matching contacts (its total).
    pub fn for_matches(total: i64) -> Self {
        if total >= 2000 { Self::PerRow } else { Self::FromTag }
    }
}

/// Contacts with their (live) company, for every read.
const CONTACT_FROM: &str =
    "from crm_contacts c left join crm_companies co on co.workspace_id = c.workspace_id and co.id = c.company_id and co.deleted_at is null";

/// The stored fields of a contact, as the service computed them.
#[derive(Debug, Clone)]
pub struct ContactData {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub company_id: Option<Uuid>,
    pub job_title: String,
    pub address_line: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    pub notes: String,
    pub owner_id: Option<Uuid>,
    pub source: String,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub consent_status: Consent,
    pub consent_at: Option<DateTime<Utc>>,
    pub consent_source: Option<String>,
}

impl ContactData {
    pub fn from_row(row: &ContactRow) -> Self {
        Self {
            first_name: row.first_name.clone(),
            last_name: row.last_name.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            emails: serde_json::from_str(&row.emails).unwrap_or_default(),
            phones: serde_json::from_str(&row.phones).unwrap_or_default(),
            company_id: row.company_id,
            job_title: row.job_title.clone(),
            address_line: row.address_line.clone(),
            city: row.city.clone(),
            region: row.region.clone(),
            postal_code: row.postal_code.clone(),
            country: row.country.clone(),
            notes: row.notes.clone(),
            owner_id: row.owner_id,
            source: row.source.clone(),
            custom: serde_json::from_str(&row.custom).unwrap_or_default(),
            consent_status: Consent::parse(&row.consent_status).unwrap_or_default(),
            consent_at: row.consent_at,
            consent_source: row.consent_source.clone(),
        }
    }

    /// What the list search scans besides the company name: names, addresses, numbers, title
    /// and city, lowercased.
    fn search_text(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.first_name, &self.last_name];
        parts.extend(self.email.as_deref());
        parts.extend(self.phone.as_deref());
        parts.extend(self.emails.iter().map(String::as_str));
        parts.extend(self.phones.iter().map(String::as_str));
        parts.push(&self.job_title);
        parts.push(&self.city);
        let text = parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" ").to_lowercase();
        text.chars().take(1000).collect()
    }

    fn sort_name(&self) -> String {
        let name = format!("{} {}", self.last_name, self.first_name).trim().to_owned();
        let name = if name.is_empty() { self.email.clone().unwrap_or_default() } else { name };
        name.to_lowercase().chars().take(201).collect()
    }
}

fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

pub async fn insert_contact(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid, d: &ContactData, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    insert_contacts(conn, workspace_id, &[(id, d)], now).await
}

/// Inserts many contacts in one statement (imports send a few hundred at a time).
pub async fn insert_contacts(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, rows: &[(Uuid, &ContactData)], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<MySql>::new(
        "insert into crm_contacts (workspace_id, id, first_name, last_name, email, phone, emails, phones, company_id, job_title,
             address_line, city, region, postal_code, country, notes, owner_id, source, custom, consent_status, consent_at,
             consent_source, search_text, sort_name, created_at, updated_at) ",
    );
    qb.push_values(rows, |mut b, (id, d)| {
        b.push_bind(workspace_id)
            .push_bind(*id)
            .push_bind(d.first_name.clone())
            .push_bind(d.last_name.clone())
            .push_bind(d.email.clone())
            .push_bind(d.phone.clone())
            .push_bind(json_list(&d.emails))
            .push_bind(json_list(&d.phones))
            .push_bind(d.company_id)
            .push_bind(d.job_title.clone())
            .push_bind(d.address_line.clone())
            .push_bind(d.city.clone())
            .push_bind(d.region.clone())
            .push_bind(d.postal_code.clone())
            .push_bind(d.country.clone())
            .push_bind(d.notes.clone())
            .push_bind(d.owner_id)
            .push_bind(d.source.clone())
            .push_bind(serde_json::Value::Object(d.custom.clone()).to_string())
            .push_bind(d.consent_status.as_str())
            .push_bind(d.consent_at)
            .push_bind(d.consent_source.clone())
            .push_bind(d.search_text())
            .push_bind(d.sort_name())
            .push_bind(now)
            .push_bind(now);
    });
    qb.build().execute(&mut *conn).await?;
    touch_lists(conn, workspace_id).await?;
    Ok(())
}

pub async fn update_contact(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid, d: &ContactData, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update crm_contacts set first_name = ?, last_name = ?, email = ?, phone = ?, emails = ?, phones = ?, company_id = ?,
             job_title = ?, address_line = ?, city = ?, region = ?, postal_code = ?, country = ?, notes = ?, owner_id = ?,
             custom = ?, consent_status = ?, consent_at = ?, consent_source = ?, search_text = ?, sort_name = ?, updated_at = ?
         where workspace_id = ? and id = ?",
    )
    .bind(&d.first_name)
    .bind(&d.last_name)
    .bind(&d.email)
    .bind(&d.phone)
    .bind(json_list(&d.emails))
    .bind(json_list(&d.phones))
    .bind(d.company_id)
    .bind(&d.job_title)
    .bind(&d.address_line)
    .bind(&d.city)
    .bind(&d.region)
    .bind(&d.postal_code)
    .bind(&d.country)
    .bind(&d.notes)
    .bind(d.owner_id)
    .bind(serde_json::Value::Object(d.custom.clone()).to_string())
    .bind(d.consent_status.as_str())
    .bind(d.consent_at)
    .bind(&d.consent_source)
    .bind(d.search_text())
    .bind(d.sort_name())
    .bind(now)
    .bind(workspace_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    touch_lists(conn, workspace_id).await?;
    Ok(())
}

/// A contact by id, deleted ones included (the caller decides what a deleted one means).
pub async fn find_contact<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<ContactRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {CONTACT_COLUMNS} {CONTACT_FROM} where c.workspace_id = ? and c.id = ?"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A contact by primary email (case-insensitive through the column's collation).
pub async fn find_by_email<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, email: &str) -> Result<Option<ContactRow>, sqlx::Error> {
    sqlx::query_as(&format!("select {CONTACT_COLUMNS} {CONTACT_FROM} where c.workspace_id = ? and c.email = ?"))
        .bind(workspace_id)
        .bind(email)
        .fetch_optional(db)
        .await
}

/// Contacts by id, in no particular order; ids of other workspaces are simply absent.
pub async fn contacts_by_ids<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, ids: &[Uuid]) -> Result<Vec<ContactRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut qb = QueryBuilder::<MySql>::new(format!("select {CONTACT_COLUMNS} {CONTACT_FROM} where c.workspace_id = "));
    qb.push_bind(workspace_id).push(" and c.id in (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    qb.build_query_as().fetch_all(db).await
}

pub async fn count_live_contacts<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from crm_contacts where workspace_id = ? and deleted_at is null")
        .bind(workspace_id)
        .fetch_one(db)
        .await
}

/// Marks contacts deleted (or restores them with `at = None`); returns how many changed.
pub async fn set_deleted(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, ids: &[Uuid], at: Option<DateTime<Utc>>, purge_after: Option<DateTime<Utc>>) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut qb = QueryBuilder::<MySql>::new("update crm_contacts set deleted_at = ");
    qb.push_bind(at).push(", purge_after = ").push_bind(purge_after).push(", updated_at = utc_timestamp(6) where workspace_id = ");
    qb.push_bind(workspace_id);
    qb.push(if at.is_some() { " and deleted_at is null" } else { " and deleted_at is not null" });
    qb.push(" and id in (");
    let mut list = qb.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let n = qb.build().execute(&mut *conn).await?.rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

/// Removes contacts whose restore window has passed (their tags and timeline cascade).
pub async fn purge_contacts(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let n = sqlx::query("delete from crm_contacts where workspace_id = ? and deleted_at is not null and purge_after <= ?")
        .bind(workspace_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

// ---- lists

/// What a contact list asks for. `filters` are all applied (a segment's and an ad-hoc one).
pub struct ListSpec<'a> {
    pub words: Vec<String>,
    pub tag: Option<String>,
    pub filters: Vec<&'a Filter>,
    pub custom: &'a [CustomFieldView],
    pub deleted: bool,
}

/// `%…%` with the LIKE wildcards in the text escaped (backslash is the default escape).
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn push_text_op(qb: &mut QueryBuilder<'_, MySql>, expr: &str, op: Op, value: &str) {
    qb.push(expr);
    match op {
        Op::Is => qb.push(" = ").push_bind(value.to_owned()),
        Op::IsNot => qb.push(" <> ").push_bind(value.to_owned()),
        Op::Contains => qb.push(" like ").push_bind(format!("%{}%", like_escape(value))),
        Op::NotContains => qb.push(" not like ").push_bind(format!("%{}%", like_escape(value))),
        Op::StartsWith => qb.push(" like ").push_bind(format!("{}%", like_escape(value))),
        Op::IsEmpty => qb.push(" = ''"),
        Op::IsNotEmpty => qb.push(" <> ''"),
        // Refused by `check_rule`; never true if one slips through.
        Op::Gt | Op::Lt => qb.push(" is null and 1 = 0"),
    };
}

fn text_column(field: &str) -> &'static str {
    match field {
        "first_name" => "c.first_name",
        "last_name" => "c.last_name",
        "email" => "coalesce(c.email, '')",
        "phone" => "coalesce(c.phone, '')",
        "company" => "coalesce(co.name, '')",
        "job_title" => "c.job_title",
        "city" => "c.city",
        "region" => "c.region",
        "postal_code" => "c.postal_code",
        "country" => "c.country",
        _ => "c.source",
    }
}

/// What every rule of one list is built with.
#[derive(Clone, Copy)]
struct RuleScope<'a> {
    workspace_id: Uuid,
    custom: &'a [CustomFieldView],
    plan: TagPlan,
}

/// One rule as a SQL condition (in parentheses). Mirrors `types::rule_matches`.
fn push_rule(qb: &mut QueryBuilder<'_, MySql>, rule: &Rule, scope: RuleScope<'_>) {
    let value = rule.value.trim();
    qb.push("(");
    match field_type(&rule.field, scope.custom) {
        Err(_) => {
            qb.push("1 = 0");
        }
        Ok(FieldType::Text) => push_text_op(qb, text_column(&rule.field), rule.op, value),
        Ok(FieldType::Consent) => {
            qb.push(if rule.op == Op::Is { "c.consent_status = " } else { "c.consent_status <> " }).push_bind(value.to_owned());
        }
        Ok(FieldType::Tag) => {
            let per_row = scope.plan == TagPlan::PerRow && rule.op == Op::Is;
            qb.push(match (rule.op, per_row) {
                (Op::Is, false) => "exists",
                (Op::Is, true) => "",
                _ => "not exists",
            });
            // The tag's id is an uncorrelated subquery, so MariaDB reads it once and each contact
            // costs one primary-key probe (a join on the name probed both tables per contact).
            qb.push(" (select 1 from crm_contact_tags ct where ct.workspace_id = c.workspace_id and ct.contact_id = c.id and ct.tag_id = ")
                .push("(select tg.id from crm_tags tg where tg.workspace_id = ")
                .push_bind(scope.workspace_id)
                .push(" and tg.name = ")
                .push_bind(value.to_owned())
                .push(if per_row { ")) is not null" } else { "))" });
        }
        Ok(FieldType::Timestamp) => {
            let column = if rule.field == "created_at" { "c.created_at" } else { "c.updated_at" };
            match (rule.op, timestamp_bound(value)) {
                (Op::Gt, Some(bound)) => qb.push(column).push(" > ").push_bind(bound),
                (Op::Lt, Some(bound)) => qb.push(column).push(" < ").push_bind(bound),
                _ => qb.push("1 = 0"),
            };
        }
        Ok(FieldType::Custom(f)) => {
            let path = format!("$.\"{}\"", f.key);
            // The value as text: null when the key is absent (cleared values are removed).
            let raw = |qb: &mut QueryBuilder<'_, MySql>| {
                // JSON functions answer in a binary collation; compare like the columns do.
                qb.push("(json_unquote(json_extract(c.custom, ").push_bind(path.clone()).push(")) collate utf8mb4_unicode_ci)");
            };
            match (f.kind, rule.op) {
                (FieldKind::Text | FieldKind::Select, op) => {
                    qb.push("coalesce(");
                    raw(qb);
                    qb.push(", '')");
                    push_text_op(qb, "", op, value);
                }
                (FieldKind::Checkbox, _) => {
                    qb.push("coalesce(");
                    raw(qb);
                    qb.push(if value == "true" { ", '') = 'true'" } else { ", '') <> 'true'" });
                }
                (_, Op::IsEmpty) => {
                    raw(qb);
                    qb.push(" is null");
                }
                (_, Op::IsNotEmpty) => {
                    raw(qb);
                    qb.push(" is not null");
                }
                (FieldKind::Number, op) => {
                    let n: f64 = value.parse().unwrap_or(f64::NAN);
                    if op == Op::IsNot {
                        raw(qb);
                        qb.push(" is null or ");
                    }
                    qb.push("(");
                    raw(qb);
                    qb.push(" + 0)");
                    qb.push(match op {
                        Op::Is => " = ",
                        Op::IsNot => " <> ",
                        Op::Gt => " > ",
                        _ => " < ",
                    });
                    qb.push_bind(n);
                }
                (FieldKind::Date, op) => {
                    if op == Op::IsNot {
                        raw(qb);
                        qb.push(" is null or ");
                    }
                    raw(qb);
                    qb.push(match op {
                        Op::Is => " = ",
                        Op::IsNot => " <> ",
                        Op::Gt => " > ",
                        _ => " < ",
                    });
                    qb.push_bind(value.to_owned());
                }
            }
        }
    }
    qb.push(")");
}

fn push_filter(qb: &mut QueryBuilder<'_, MySql>, filter: &Filter, scope: RuleScope<'_>) {
    if filter.rules.is_empty() {
        return;
    }
    qb.push(" and (");
    for (i, rule) in filter.rules.iter().enumerate() {
        if i > 0 {
            qb.push(if filter.match_ == Match::All { " and " } else { " or " });
        }
        push_rule(qb, rule, scope);
    }
    qb.push(")");
}

/// `from … where …` of a contact list, scoped to the workspace.
fn push_where(qb: &mut QueryBuilder<'_, MySql>, workspace_id: Uuid, spec: &ListSpec<'_>, plan: TagPlan) {
    let scope = RuleScope { workspace_id, custom: spec.custom, plan };
    qb.push(CONTACT_FROM).push(" where c.workspace_id = ").push_bind(workspace_id);
    qb.push(if spec.deleted { " and c.deleted_at is not null" } else { " and c.deleted_at is null" });
    for word in &spec.words {
        let pattern = format!("%{}%", like_escape(word));
        // The companies whose name matches are found once, not joined for each contact: that
        // join was two thirds of counting a search over 100,000 contacts.
        qb.push(" and (c.search_text like ").push_bind(pattern.clone());
        qb.push(" or c.company_id in (select sc.id from crm_companies sc where sc.workspace_id = ").push_bind(workspace_id);
        qb.push(" and sc.deleted_at is null and sc.name like ").push_bind(pattern).push("))");
    }
    if let Some(tag) = &spec.tag {
        push_rule(qb.push(" and "), &Rule { field: "tag".into(), op: Op::Is, value: tag.clone() }, scope);
    }
    for filter in &spec.filters {
        push_filter(qb, filter, scope);
    }
}

pub async fn count_contacts<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, spec: &ListSpec<'_>) -> Result<i64, sqlx::Error> {
    let mut qb = QueryBuilder::<MySql>::new("select count(*) ");
    push_where(&mut qb, workspace_id, spec, TagPlan::FromTag);
    qb.build_query_scalar().fetch_one(db).await
}

/// The workspace's list version: `touch_lists` bumps it with every write that can change a
/// list, a count or the custom fields. A request reads it once, first, and looks up its cached
/// values under it; a write committed after this read makes the next request compute again,
/// rather than leaving an old value under the new version.
pub async fn list_version(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select coalesce((select version from crm_list_versions where workspace_id = ?), 0)")
        .bind(workspace_id)
        .fetch_one(conn)
        .await
}

/// Values computed from a workspace's contacts (list totals, tag counts, custom fields) by
/// (workspace, key), with the list version they were computed at. Counting over 100,000
/// contacts takes tens of milliseconds; a value is reused until a write bumps the version, so it
/// is always exact. Per instance; the version lives in the database, so every instance sees
/// every write. Only for reads outside a transaction that wrote: an uncommitted version must
/// not be cached.
pub(super) struct ByListVersion<V> {
    values: std::sync::Mutex<HashMap<(Uuid, String), (i64, V)>>,
    computing: crate::server::single_flight::Gates<(Uuid, String)>,
}

impl<V: Clone> ByListVersion<V> {
    const MAX: usize = 10_000;

    pub(super) fn new() -> Self {
        Self { values: Default::default(), computing: Default::default() }
    }

    /// The value under `version` (from `list_version`), computed when missing.
    pub(super) async fn get<E>(
        &self,
        conn: &mut sqlx::MySqlConnection,
        version: i64,
        workspace_id: Uuid,
        key: String,
        compute: impl AsyncFnOnce(&mut sqlx::MySqlConnection) -> Result<V, E>,
    ) -> Result<V, E> {
        let key = (workspace_id, key);
        let cached = || {
            let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
            values.get(&key).filter(|(v, _)| *v == version).map(|(_, value)| value.clone())
        };
        if let Some(value) = cached() {
            return Ok(value);
        }
        // Sixteen requests for a list that just changed compute it once.
        self.computing
            .run(&key, async {
                if let Some(value) = cached() {
                    return Ok(value);
                }
                let value = compute(&mut *conn).await?;
                let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
                if values.len() >= Self::MAX {
                    values.clear();
                }
                values.insert(key.clone(), (version, value.clone()));
                Ok(value)
            })
            .await
    }
}

static TOTALS: std::sync::LazyLock<ByListVersion<i64>> = std::sync::LazyLock::new(ByListVersion::new);

/// `count_contacts`, from the cache while the workspace's contacts are unchanged (`version`).
pub async fn cached_total(conn: &mut sqlx::MySqlConnection, version: i64, workspace_id: Uuid, spec: &ListSpec<'_>) -> Result<i64, sqlx::Error> {
    let key = format!("{:?}|{:?}|{:?}|{}", spec.words, spec.tag, spec.filters, spec.deleted);
    TOTALS.get(conn, version, workspace_id, key, async |conn| count_contacts(conn, workspace_id, spec).await).await
}

/// `cached_total` at the version of now.
pub async fn current_total(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, spec: &ListSpec<'_>) -> Result<i64, sqlx::Error> {
    let version = list_version(conn, workspace_id).await?;
    cached_total(conn, version, workspace_id, spec).await
}

/// Where a page of a list starts: the sort value and id of the last row of the page before.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Time(DateTime<Utc>, Uuid),
    Text(String, Uuid),
}

/// A contact of a list page: its row, the value it sorts by by name, and its tag names (when
/// asked for) in name order.
pub struct Listed {
    pub row: ContactRow,
    pub sort_name: String,
    pub tags: Vec<String>,
}

/// A page of contacts in the sort's order, starting after `after`. Ties break on id.
#[allow(clippy::too_many_arguments)]
pub async fn list_contacts<'e>(
    db: impl MySqlExecutor<'e>,
    workspace_id: Uuid,
    spec: &ListSpec<'_>,
    sort: (SortKey, bool),
    after: Option<&After>,
    limit: u32,
    plan: TagPlan,
    with_tags: bool,
) -> Result<Vec<Listed>, sqlx::Error> {
    let (key, desc) = sort;
    let column = match key {
        SortKey::Created => "c.created_at",
        SortKey::Updated => "c.updated_at",
        SortKey::Name => "c.sort_name",
    };
    // The page's keys first, from a walk that reads only the columns the conditions name; then
    // the whole rows of those keys. Reading every column of each contact walked past (2,000
    // for a filter matching one in forty) cost a third of the query.
    // Tag names ride along (no commas in a tag name), saving a round trip per page. MySQL 8
    // cuts group_concat at 1 KB unless told otherwise (the hint); MariaDB allows 1 MB and reads
    // the hint as a comment. 50 tags of 50 characters fit.
    let tags = if with_tags {
        "(select group_concat(t.name order by t.name separator ',') from crm_contact_tags ct \
           join crm_tags t on t.workspace_id = ct.workspace_id and t.id = ct.tag_id \
          where ct.workspace_id = c.workspace_id and ct.contact_id = c.id)"
    } else {
        "null"
    };
    let mut qb = QueryBuilder::<MySql>::new(format!(
        "select /*+ SET_VAR(group_concat_max_len = 65536) */ {CONTACT_COLUMNS}, c.sort_name, {tags} as tag_names \
         from (select c.workspace_id, c.created_at, c.id "
    ));
    push_where(&mut qb, workspace_id, spec, plan);
    let cmp = if desc { " < " } else { " > " };
    match after {
        Some(After::Time(at, id)) => {
            qb.push(format!(" and ({column}{cmp}")).push_bind(*at);
            qb.push(format!(" or ({column} = ")).push_bind(*at).push(format!(" and c.id{cmp}")).push_bind(*id).push("))");
        }
        Some(After::Text(text, id)) => {
            qb.push(format!(" and ({column}{cmp}")).push_bind(text.clone());
            qb.push(format!(" or ({column} = ")).push_bind(text.clone()).push(format!(" and c.id{cmp}")).push_bind(*id).push("))");
        }
        None => {}
    }
    let dir = if desc { "desc" } else { "asc" };
    let order = format!(" order by {column} {dir}, c.id {dir}");
    qb.push(&order).push(" limit ").push_bind(limit);
    qb.push(") page join ").push(CONTACT_FROM.trim_start_matches("from "));
    qb.push(" where c.workspace_id = page.workspace_id and c.created_at = page.created_at and c.id = page.id").push(&order);
    #[derive(FromRow)]
    struct WithSort {
        #[sqlx(flatten)]
        row: ContactRow,
        sort_name: String,
        tag_names: Option<String>,
    }
    let rows: Vec<WithSort> = qb.build_query_as().fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| Listed { row: r.row, sort_name: r.sort_name, tags: r.tag_names.map(|t| t.split(',').map(str::to_owned).collect()).unwrap_or_default() })
        .collect())
}

// ---- tags

#[derive(Debug, Clone, FromRow)]
pub struct TagRow {
    pub id: Uuid,
    pub name: String,
    pub color: String,
    pub contact_count: i64,
}

pub async fn list_tags(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid) -> Result<Vec<TagRow>, sqlx::Error> {
    let version = list_version(conn, workspace_id).await?;
    let counts = TAG_COUNTS
        .get(conn, version, workspace_id, String::new(), async |conn| {
            let rows: Vec<(Uuid, i64)> = sqlx::query_as(
                "select ct.tag_id, count(*) from crm_contact_tags ct
                   join crm_contacts c on c.workspace_id = ct.workspace_id and c.id = ct.contact_id
                  where ct.workspace_id = ? and c.deleted_at is null group by ct.tag_id",
            )
            .bind(workspace_id)
            .fetch_all(conn)
            .await?;
            Ok::<_, sqlx::Error>(std::sync::Arc::new(rows.into_iter().collect::<HashMap<_, _>>()))
        })
        .await?;
    let mut tags: Vec<TagRow> = sqlx::query_as("select id, name, color, 0 as contact_count from crm_tags where workspace_id = ? order by name")
        .bind(workspace_id)
        .fetch_all(&mut *conn)
        .await?;
    // A tag missing from the counts has had no contact since they were taken (tagging bumps the version).
    for tag in &mut tags {
        tag.contact_count = counts.get(&tag.id).copied().unwrap_or(0);
    }
    Ok(tags)
}

/// Live contacts per tag id: the tag list shows them on every contacts page, and counting
/// 100,000 taggings takes over 100 ms.
static TAG_COUNTS: std::sync::LazyLock<ByListVersion<std::sync::Arc<HashMap<Uuid, i64>>>> = std::sync::LazyLock::new(ByListVersion::new);

pub async fn find_tag<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<TagRow>, sqlx::Error> {
    sqlx::query_as("select id, name, color, 0 as contact_count from crm_tags where workspace_id = ? and id = ?")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The tags of these names, created when missing; returns their ids.
/// The ids of the named tags, creating the missing ones. Existing tags are looked up with a
/// plain read first: an `insert ignore` that hits an existing row takes locks, and concurrent
/// contact writes with the same tags then deadlocked in MariaDB.
pub async fn ensure_tags(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, names: &[String], now: DateTime<Utc>) -> Result<Vec<Uuid>, sqlx::Error> {
    // Created in one order everywhere, so two writers never wait on each other's new tags.
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by_key(|&i| names[i].to_lowercase());
    let mut ids = vec![Uuid::nil(); names.len()];
    for i in order {
        let name = &names[i];
        let find = |sql| sqlx::query_scalar::<_, Uuid>(sql).bind(workspace_id).bind(name);
        if let Some(id) = find("select id from crm_tags where workspace_id = ? and name = ?").fetch_optional(&mut *conn).await? {
            ids[i] = id;
            continue;
        }
        sqlx::query("insert ignore into crm_tags (workspace_id, id, name, color, created_at) values (?, ?, ?, '#6366f1', ?)")
            .bind(workspace_id)
            .bind(Uuid::now_v7())
            .bind(name)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        // A locking read: when another writer created the tag first, it is newer than this
        // transaction's snapshot.
        ids[i] = find("select id from crm_tags where workspace_id = ? and name = ? lock in share mode").fetch_one(&mut *conn).await?;
    }
    Ok(ids)
}

pub async fn update_tag(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid, name: &str, color: &str) -> Result<u64, sqlx::Error> {
    let n = sqlx::query("update crm_tags set name = ?, color = ? where workspace_id = ? and id = ?")
        .bind(name)
        .bind(color)
        .bind(workspace_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

pub async fn delete_tag(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    let n = sqlx::query("delete from crm_tags where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(&mut *conn).await?.rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

/// Marks the workspace's contact lists as changed, so their cached totals, tag counts and
/// custom fields are read again (`ByListVersion`). Every write that can change which contacts a
/// list or filter holds, or the custom fields, calls it, in its transaction.
pub async fn touch_lists(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("insert into crm_list_versions (workspace_id, version) values (?, 1) on duplicate key update version = version + 1")
        .bind(workspace_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces a contact's tags. Only the pairs that go are deleted, each by its key: a range
/// delete (even of no rows, as for a new contact) takes gap locks, and concurrent writers then
/// deadlocked on each other's inserts.
pub async fn set_contact_tags(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, contact_id: Uuid, tag_ids: &[Uuid], now: DateTime<Utc>) -> Result<(), AppError> {
    let current: Vec<Uuid> = sqlx::query_scalar("select tag_id from crm_contact_tags where workspace_id = ? and contact_id = ?")
        .bind(workspace_id)
        .bind(contact_id)
        .fetch_all(&mut *conn)
        .await?;
    if current.iter().any(|t| !tag_ids.contains(t)) {
        touch_lists(conn, workspace_id).await?;
    }
    for gone in current.iter().filter(|t| !tag_ids.contains(t)) {
        sqlx::query("delete from crm_contact_tags where workspace_id = ? and contact_id = ? and tag_id = ?")
            .bind(workspace_id)
            .bind(contact_id)
            .bind(gone)
            .execute(&mut *conn)
            .await?;
    }
    let new: Vec<Uuid> = tag_ids.iter().filter(|t| !current.contains(t)).copied().collect();
    tag_contacts(conn, workspace_id, &[contact_id], &new, now).await?;
    Ok(())
}

/// Puts every tag on every contact (existing pairs stay); returns the pairs added.
pub async fn tag_contacts(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, contact_ids: &[Uuid], tag_ids: &[Uuid], now: DateTime<Utc>) -> Result<u64, AppError> {
    if contact_ids.is_empty() || tag_ids.is_empty() {
        return Ok(0);
    }
    let pairs: Vec<(Uuid, Uuid)> = contact_ids.iter().flat_map(|c| tag_ids.iter().map(move |t| (*c, *t))).collect();
    tag_pairs(conn, workspace_id, &pairs, now).await
}

/// Attaches `(contact, tag)` pairs (existing ones stay); returns the pairs added. Every way a
/// contact gets a tag comes through here, so this is where a tag starts the email sequences
/// it triggers (`mail::sequences`), in the same transaction.
pub async fn tag_pairs(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, pairs: &[(Uuid, Uuid)], now: DateTime<Utc>) -> Result<u64, AppError> {
    use crate::modules::mail::sequences;
    if pairs.is_empty() {
        return Ok(0);
    }
    let triggers = sequences::tag_triggers(&mut *conn, workspace_id).await?;
    let watched: Vec<(Uuid, Uuid)> = pairs.iter().filter(|(_, t)| triggers.iter().any(|(_, tag)| tag == t)).copied().collect();
    // Only pairs that are new start a sequence: look at the watched ones before adding.
    let mut before: Vec<(Uuid, Uuid)> = Vec::new();
    if !watched.is_empty() {
        let mut qb = QueryBuilder::<MySql>::new("select contact_id, tag_id from crm_contact_tags where workspace_id = ");
        qb.push_bind(workspace_id).push(" and (contact_id, tag_id) in (");
        let mut list = qb.separated(", ");
        for (c, t) in &watched {
            list.push("(").push_bind_unseparated(*c).push_unseparated(", ").push_bind_unseparated(*t).push_unseparated(")");
        }
        qb.push(")");
        before = qb.build_query_as().fetch_all(&mut *conn).await?;
    }
    let mut qb = QueryBuilder::<MySql>::new("insert ignore into crm_contact_tags (workspace_id, contact_id, tag_id, created_at) ");
    qb.push_values(pairs, |mut b, (c, t)| {
        b.push_bind(workspace_id).push_bind(*c).push_bind(*t).push_bind(now);
    });
    let added = qb.build().execute(&mut *conn).await?.rows_affected();
    if added > 0 {
        touch_lists(conn, workspace_id).await?;
    }
    if !watched.is_empty() {
        let new: Vec<(Uuid, Uuid)> = watched.into_iter().filter(|p| !before.contains(p)).collect();
        sequences::on_tagged(conn, workspace_id, &triggers, &new).await?;
    }
    Ok(added)
}

pub async fn untag_contacts(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, contact_ids: &[Uuid], tag_id: Uuid) -> Result<u64, sqlx::Error> {
    if contact_ids.is_empty() {
        return Ok(0);
    }
    let mut qb = QueryBuilder::<MySql>::new("delete from crm_contact_tags where workspace_id = ");
    qb.push_bind(workspace_id).push(" and tag_id = ").push_bind(tag_id).push(" and contact_id in (");
    let mut list = qb.separated(", ");
    for id in contact_ids {
        list.push_bind(*id);
    }
    qb.push(")");
    let n = qb.build().execute(&mut *conn).await?.rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

/// The tag names of each contact, sorted.
pub async fn tags_of<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, contact_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<String>>, sqlx::Error> {
    let mut out: HashMap<Uuid, Vec<String>> = HashMap::new();
    if contact_ids.is_empty() {
        return Ok(out);
    }
    let mut qb = QueryBuilder::<MySql>::new(
        "select ct.contact_id, t.name from crm_contact_tags ct join crm_tags t on t.workspace_id = ct.workspace_id and t.id = ct.tag_id where ct.workspace_id = ",
    );
    qb.push_bind(workspace_id).push(" and ct.contact_id in (");
    let mut list = qb.separated(", ");
    for id in contact_ids {
        list.push_bind(*id);
    }
    qb.push(") order by t.name");
    let rows: Vec<(Uuid, String)> = qb.build_query_as().fetch_all(db).await?;
    for (contact, name) in rows {
        out.entry(contact).or_default().push(name);
    }
    Ok(out)
}

// ---- companies

#[derive(Debug, Clone, FromRow)]
pub struct CompanyRow {
    pub id: Uuid,
    pub name: String,
    pub domain: Option<String>,
    pub phone: Option<String>,
    pub notes: String,
    pub contact_count: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COMPANY_SELECT: &str = "select co.id, co.name, co.domain, co.phone, co.notes,
        (select count(*) from crm_contacts c where c.workspace_id = co.workspace_id and c.company_id = co.id and c.deleted_at is null) as contact_count,
        co.deleted_at, co.created_at, co.updated_at from crm_companies co";

pub async fn list_companies<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, q: Option<&str>, deleted: bool) -> Result<Vec<CompanyRow>, sqlx::Error> {
    let mut qb = QueryBuilder::<MySql>::new(COMPANY_SELECT);
    qb.push(" where co.workspace_id = ").push_bind(workspace_id);
    qb.push(if deleted { " and co.deleted_at is not null" } else { " and co.deleted_at is null" });
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        qb.push(" and (co.name like ").push_bind(format!("%{}%", like_escape(q))).push(" or co.domain like ").push_bind(format!("%{}%", like_escape(q))).push(")");
    }
    qb.push(" order by co.name limit 500");
    qb.build_query_as().fetch_all(db).await
}

pub async fn find_company<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<CompanyRow>, sqlx::Error> {
    sqlx::query_as(&format!("{COMPANY_SELECT} where co.workspace_id = ? and co.id = ?"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn insert_company<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, name: &str, domain: Option<&str>, phone: Option<&str>, notes: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("insert into crm_companies (workspace_id, id, name, domain, phone, notes, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(workspace_id)
        .bind(id)
        .bind(name)
        .bind(domain)
        .bind(phone)
        .bind(notes)
        .bind(now)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_company(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid, name: &str, domain: Option<&str>, phone: Option<&str>, notes: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_companies set name = ?, domain = ?, phone = ?, notes = ?, updated_at = ? where workspace_id = ? and id = ?")
        .bind(name)
        .bind(domain)
        .bind(phone)
        .bind(notes)
        .bind(now)
        .bind(workspace_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    touch_lists(conn, workspace_id).await?;
    Ok(())
}

pub async fn set_company_deleted(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid, at: Option<DateTime<Utc>>) -> Result<u64, sqlx::Error> {
    let n = sqlx::query("update crm_companies set deleted_at = ?, updated_at = utc_timestamp(6) where workspace_id = ? and id = ?")
        .bind(at)
        .bind(workspace_id)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

// ---- custom fields

#[derive(Debug, Clone, FromRow)]
pub struct FieldRow {
    pub id: Uuid,
    pub field_key: String,
    pub label: String,
    pub kind: String,
    pub options: String,
    pub position: i32,
}

pub async fn list_fields<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<FieldRow>, sqlx::Error> {
    sqlx::query_as("select id, field_key, label, kind, options, position from crm_custom_fields where workspace_id = ? order by position, label")
        .bind(workspace_id)
        .fetch_all(db)
        .await
}

pub async fn insert_field(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, f: &CustomFieldView, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into crm_custom_fields (workspace_id, id, field_key, label, kind, options, position, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(workspace_id)
    .bind(f.id)
    .bind(&f.key)
    .bind(&f.label)
    .bind(f.kind.as_str())
    .bind(json_list(&f.options))
    .bind(f.position)
    .bind(now)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    touch_lists(conn, workspace_id).await
}

pub async fn update_field(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, f: &CustomFieldView, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_custom_fields set label = ?, options = ?, position = ?, updated_at = ? where workspace_id = ? and id = ?")
        .bind(&f.label)
        .bind(json_list(&f.options))
        .bind(f.position)
        .bind(now)
        .bind(workspace_id)
        .bind(f.id)
        .execute(&mut *conn)
        .await?;
    touch_lists(conn, workspace_id).await
}

pub async fn delete_field(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    let n = sqlx::query("delete from crm_custom_fields where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(&mut *conn).await?.rows_affected();
    touch_lists(conn, workspace_id).await?;
    Ok(n)
}

/// Drops a deleted field's values from every contact.
pub async fn remove_custom_key(conn: &mut sqlx::MySqlConnection, workspace_id: Uuid, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_contacts set custom = json_remove(custom, ?) where workspace_id = ? and json_extract(custom, ?) is not null")
        .bind(format!("$.\"{key}\""))
        .bind(workspace_id)
        .bind(format!("$.\"{key}\""))
        .execute(&mut *conn)
        .await?;
    touch_lists(conn, workspace_id).await?;
    Ok(())
}

// ---- timeline

#[derive(Debug, Clone, FromRow)]
pub struct ActivityRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub kind: String,
    pub summary: String,
    pub body: String,
    pub data: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

pub struct NewActivityRow<'a> {
    pub contact_id: Uuid,
    pub kind: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub data: &'a serde_json::Value,
    pub actor_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
}

pub async fn insert_activity<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, a: &NewActivityRow<'_>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    insert_activities(db, workspace_id, &[(id, a)], now).await
}

pub async fn insert_activities<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, rows: &[(Uuid, &NewActivityRow<'_>)], now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<MySql>::new("insert into crm_activities (workspace_id, id, contact_id, kind, summary, body, data, actor_id, occurred_at, created_at) ");
    qb.push_values(rows, |mut b, (id, a)| {
        b.push_bind(workspace_id)
            .push_bind(*id)
            .push_bind(a.contact_id)
            .push_bind(a.kind.to_owned())
            .push_bind(a.summary.to_owned())
            .push_bind(a.body.to_owned())
            .push_bind(a.data.to_string())
            .push_bind(a.actor_id)
            .push_bind(a.occurred_at)
            .push_bind(now);
    });
    qb.build().execute(db).await?;
    Ok(())
}

/// Every primary email of the workspace with its contact (deleted ones too), for imports.
pub async fn email_index<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
    sqlx::query_as("select email, id from crm_contacts where workspace_id = ? and email is not null").bind(workspace_id).fetch_all(db).await
}

/// Live companies by name, for imports that name them.
pub async fn company_index<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<(String, Uuid)>, sqlx::Error> {
    sqlx::query_as("select name, id from crm_companies where workspace_id = ? and deleted_at is null").bind(workspace_id).fetch_all(db).await
}

/// A contact's timeline, newest first, after the cursor `(occurred_at, id)`.
pub async fn list_activities<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, contact_id: Uuid, before: Option<(DateTime<Utc>, Uuid)>, limit: u32) -> Result<Vec<ActivityRow>, sqlx::Error> {
    let mut qb = QueryBuilder::<MySql>::new(
        "select a.id, a.contact_id, a.kind, a.summary, a.body, a.data, a.actor_id, u.name as actor_name, a.occurred_at
         from crm_activities a left join users u on u.id = a.actor_id where a.workspace_id = ",
    );
    qb.push_bind(workspace_id).push(" and a.contact_id = ").push_bind(contact_id);
    if let Some((at, id)) = before {
        qb.push(" and (a.occurred_at < ").push_bind(at).push(" or (a.occurred_at = ").push_bind(at).push(" and a.id < ").push_bind(id).push("))");
    }
    qb.push(" order by a.occurred_at desc, a.id desc limit ").push_bind(limit);
    qb.build_query_as().fetch_all(db).await
}

pub async fn delete_activity<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, contact_id: Uuid, id: Uuid, kind: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from crm_activities where workspace_id = ? and contact_id = ? and id = ? and kind = ?")
        .bind(workspace_id)
        .bind(contact_id)
        .bind(id)
        .bind(kind)
        .execute(db)
        .await?
        .rows_affected())
}

// ---- segments

#[derive(Debug, Clone, FromRow)]
pub struct SegmentRow {
    pub id: Uuid,
    pub name: String,
    pub filter: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn list_segments<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<SegmentRow>, sqlx::Error> {
    sqlx::query_as("select id, name, filter, created_at, updated_at from crm_segments where workspace_id = ? order by name")
        .bind(workspace_id)
        .fetch_all(db)
        .await
}

pub async fn find_segment<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<SegmentRow>, sqlx::Error> {
    sqlx::query_as("select id, name, filter, created_at, updated_at from crm_segments where workspace_id = ? and id = ?")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn insert_segment<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, name: &str, filter: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("insert into crm_segments (workspace_id, id, name, filter, created_at, updated_at) values (?, ?, ?, ?, ?, ?)")
        .bind(workspace_id)
        .bind(id)
        .bind(name)
        .bind(filter)
        .bind(now)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_segment<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, name: &str, filter: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_segments set name = ?, filter = ?, updated_at = ? where workspace_id = ? and id = ?")
        .bind(name)
        .bind(filter)
        .bind(now)
        .bind(workspace_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_segment<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from crm_segments where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(db).await?.rows_affected())
}

// ---- pipelines and deals

#[derive(Debug, Clone, FromRow)]
pub struct PipelineRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, FromRow)]
pub struct StageRow {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub name: String,
    pub position: i32,
    pub probability: u8,
}

pub async fn list_pipelines<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<PipelineRow>, sqlx::Error> {
    sqlx::query_as("select id, name, created_at, updated_at from crm_pipelines where workspace_id = ? order by position, name")
        .bind(workspace_id)
        .fetch_all(db)
        .await
}

pub async fn find_pipeline<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<PipelineRow>, sqlx::Error> {
    sqlx::query_as("select id, name, created_at, updated_at from crm_pipelines where workspace_id = ? and id = ?")
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn list_stages<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid) -> Result<Vec<StageRow>, sqlx::Error> {
    sqlx::query_as("select id, pipeline_id, name, position, probability from crm_stages where workspace_id = ? order by pipeline_id, position")
        .bind(workspace_id)
        .fetch_all(db)
        .await
}

pub async fn insert_pipeline<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, name: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into crm_pipelines (workspace_id, id, name, position, created_at, updated_at)
         select ?, ?, ?, coalesce(max(p.position), 0) + 1, ?, ? from crm_pipelines p where p.workspace_id = ?",
    )
    .bind(workspace_id)
    .bind(id)
    .bind(name)
    .bind(now)
    .bind(now)
    .bind(workspace_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn rename_pipeline<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, name: &str, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_pipelines set name = ?, updated_at = ? where workspace_id = ? and id = ?")
        .bind(name)
        .bind(now)
        .bind(workspace_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_pipeline<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from crm_pipelines where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(db).await?.rows_affected())
}

pub async fn upsert_stage<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, stage: &StageRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into crm_stages (workspace_id, id, pipeline_id, name, position, probability) values (?, ?, ?, ?, ?, ?)
         on duplicate key update name = values(name), position = values(position), probability = values(probability)",
    )
    .bind(workspace_id)
    .bind(stage.id)
    .bind(stage.pipeline_id)
    .bind(&stage.name)
    .bind(stage.position)
    .bind(stage.probability)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_stage<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from crm_stages where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(db).await?.rows_affected())
}

pub async fn count_stage_deals<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, stage_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from crm_deals where workspace_id = ? and stage_id = ?").bind(workspace_id).bind(stage_id).fetch_one(db).await
}

#[derive(Debug, Clone, FromRow)]
pub struct DealRow {
    pub id: Uuid,
    pub pipeline_id: Uuid,
    pub stage_id: Uuid,
    pub position: i32,
    pub title: String,
    pub value_minor: i64,
    pub currency: String,
    pub contact_id: Option<Uuid>,
    pub contact_first: Option<String>,
    pub contact_last: Option<String>,
    pub contact_email: Option<String>,
    pub company_id: Option<Uuid>,
    pub company_name: Option<String>,
    pub owner_id: Option<Uuid>,
    pub expected_close: Option<chrono::NaiveDate>,
    pub status: String,
    pub lost_reason: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const DEAL_SELECT: &str = "select d.id, d.pipeline_id, d.stage_id, d.position, d.title, d.value_minor, d.currency, d.contact_id,
        c.first_name as contact_first, c.last_name as contact_last, c.email as contact_email, d.company_id, co.name as company_name,
        d.owner_id, d.expected_close, d.status, d.lost_reason, d.closed_at, d.created_at, d.updated_at
     from crm_deals d
     left join crm_contacts c on c.workspace_id = d.workspace_id and c.id = d.contact_id and c.deleted_at is null
     left join crm_companies co on co.workspace_id = d.workspace_id and co.id = d.company_id and co.deleted_at is null";

pub async fn list_deals<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, pipeline_id: Option<Uuid>, status: Option<&str>, contact_id: Option<Uuid>) -> Result<Vec<DealRow>, sqlx::Error> {
    let mut qb = QueryBuilder::<MySql>::new(DEAL_SELECT);
    qb.push(" where d.workspace_id = ").push_bind(workspace_id);
    if let Some(p) = pipeline_id {
        qb.push(" and d.pipeline_id = ").push_bind(p);
    }
    if let Some(s) = status {
        qb.push(" and d.status = ").push_bind(s.to_owned());
    }
    if let Some(c) = contact_id {
        qb.push(" and d.contact_id = ").push_bind(c);
    }
    qb.push(" order by d.pipeline_id, d.stage_id, d.position, d.id limit 5000");
    qb.build_query_as().fetch_all(db).await
}

pub async fn find_deal<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<Option<DealRow>, sqlx::Error> {
    sqlx::query_as(&format!("{DEAL_SELECT} where d.workspace_id = ? and d.id = ?"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn save_deal<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, d: &DealRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into crm_deals (workspace_id, id, pipeline_id, stage_id, position, title, value_minor, currency, contact_id, company_id,
             owner_id, expected_close, status, lost_reason, closed_at, created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on duplicate key update pipeline_id = values(pipeline_id), stage_id = values(stage_id), position = values(position),
             title = values(title), value_minor = values(value_minor), currency = values(currency), contact_id = values(contact_id),
             company_id = values(company_id), owner_id = values(owner_id), expected_close = values(expected_close),
             status = values(status), lost_reason = values(lost_reason), closed_at = values(closed_at), updated_at = values(updated_at)",
    )
    .bind(workspace_id)
    .bind(d.id)
    .bind(d.pipeline_id)
    .bind(d.stage_id)
    .bind(d.position)
    .bind(&d.title)
    .bind(d.value_minor)
    .bind(&d.currency)
    .bind(d.contact_id)
    .bind(d.company_id)
    .bind(d.owner_id)
    .bind(d.expected_close)
    .bind(&d.status)
    .bind(&d.lost_reason)
    .bind(d.closed_at)
    .bind(d.created_at)
    .bind(d.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_deal<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from crm_deals where workspace_id = ? and id = ?").bind(workspace_id).bind(id).execute(db).await?.rows_affected())
}

/// The ids of a stage's deals in board order, for renumbering after a move.
pub async fn stage_deal_ids<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, stage_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select id from crm_deals where workspace_id = ? and stage_id = ? order by position, id for update")
        .bind(workspace_id)
        .bind(stage_id)
        .fetch_all(db)
        .await
}

pub async fn set_deal_place<'e>(db: impl MySqlExecutor<'e>, workspace_id: Uuid, id: Uuid, stage_id: Uuid, position: i32) -> Result<(), sqlx::Error> {
    sqlx::query("update crm_deals set stage_id = ?, position = ? where workspace_id = ? and id = ?")
        .bind(stage_id)
        .bind(position)
        .bind(workspace_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("50%_off\\"), "50\\%\\_off\\\\");
    }
}
