//! Wire types of email marketing: sender identities, block templates, campaigns and their
//! report. Compiled for both targets; parsing that needs server crates (HTML sanitising, dates)
//! lives in `render` and `service`.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::shared::validate::double;

// ---- identities

/// Create or change a sender identity. PATCH: absent keeps, `null` clears.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityInput {
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub reply_to: Option<Option<String>>,
    /// The workspace's own SMTP server (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://…`); `null` uses the platform's. Write-only: never returned.
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub smtp_url: Option<Option<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityView {
    pub id: Uuid,
    pub from_name: String,
    pub from_email: String,
    pub reply_to: Option<String>,
    /// Whether the identity sends through its own SMTP server (else the platform's).
    pub has_smtp: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /mail/identities/{id}/test`: where the test message goes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestSendInput {
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TestSendResult {
    pub sent: bool,
    pub to: String,
}

// ---- settings

/// `GET|PUT /mail/settings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MailSettings {
    /// People who sign up through a public form (the bio page's) are `pending` until they
    /// confirm from an email; only then are they `subscribed` and reached by campaigns.
    pub double_opt_in: bool,
}

// ---- templates

/// One block of a template. Text is rich (`<b>`, `<i>`, `<a href>`; everything else is
/// removed); every other field is plain text. Merge tags (`{{first_name|there}}`) work in
/// headings, text and button labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading {
        text: String,
        /// 1 to 3; 1 when absent.
        #[serde(default)]
        level: Option<u8>,
    },
    Text {
        html: String,
    },
    Image {
        src: String,
        #[serde(default)]
        alt: String,
        #[serde(default)]
        href: Option<String>,
    },
    Button {
        label: String,
        href: String,
    },
    Divider,
    /// Side by side on wide screens, stacked on phones. At most 3 columns, no nesting.
    Columns {
        #[cfg_attr(feature = "ssr", schema(no_recursion))]
        columns: Vec<Vec<Block>>,
    },
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateInput {
    pub name: Option<String>,
    pub subject: Option<String>,
    pub blocks: Option<Vec<Block>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TemplateView {
    pub id: Uuid,
    pub name: String,
    pub subject: String,
    pub blocks: Vec<Block>,
    pub created_at: String,
    pub updated_at: String,
}

/// A template rendered for a sample contact (`GET /mail/templates/{id}/preview`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Preview {
    pub html: String,
    pub text: String,
}

/// `POST /mail/templates/preview`: blocks not saved yet, rendered like a saved template.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PreviewInput {
    #[serde(default)]
    pub subject: String,
    pub blocks: Vec<Block>,
}

/// `POST /mail/audience/size`: how many contacts an audience reaches now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AudienceSize {
    pub contacts: u64,
}

// ---- campaigns

/// Who a campaign goes to: contacts with any of `tags`, or the contacts of a saved segment.
/// Only contacts whose consent is `subscribed` are mailed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Audience {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<Uuid>,
}

/// Create or change a campaign (drafts and scheduled ones only). Either `body_html` or
/// `template_id`; the sender is `identity_id` or `from_email` (+ `from_name`, `reply_to`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CampaignInput {
    pub name: Option<String>,
    pub subject: Option<String>,
    pub from_email: Option<String>,
    pub from_name: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub reply_to: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub identity_id: Option<Option<Uuid>>,
    pub body_html: Option<String>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub template_id: Option<Option<Uuid>>,
    pub audience: Option<Audience>,
    /// RFC 3339; when set, `send` schedules the campaign for then.
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub send_at: Option<Option<String>>,
    /// A second subject to test against `subject`; `null` switches the test off.
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<AbTest>))]
    pub ab_test: Option<Option<AbTest>>,
}

/// An A/B test of the subject: `test_percent` of the audience (10 to 50) is split evenly
/// between `subject` and `subject_b`; `wait_hours` (1 to 168) after the start, everyone else
/// gets the subject whose test half opened more.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AbTest {
    pub subject_b: String,
    pub test_percent: u32,
    pub wait_hours: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Scheduled,
    Sending,
    Sent,
    Failed,
    /// A step of an automated sequence: it sends to each contact when their turn comes.
    Automated,
}

impl CampaignStatus {
    pub const ALL: [CampaignStatus; 6] = [Self::Draft, Self::Scheduled, Self::Sending, Self::Sent, Self::Failed, Self::Automated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Automated => "automated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Drafts and scheduled campaigns can still be edited and deleted.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Scheduled)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    pub subject: String,
    pub from_name: String,
    pub from_email: String,
    pub reply_to: Option<String>,
    pub identity_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    pub body_html: String,
    pub audience: Audience,
    pub status: CampaignStatus,
    pub send_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// Contacts the campaign was addressed to (known once sending starts).
    pub recipients: u64,
    pub ab_test: Option<AbTest>,
    /// The subject the rest of the audience got ("a" or "b"), once the test is decided.
    pub ab_winner: Option<String>,
    /// The step's sequence, for the emails of an automation.
    pub sequence_id: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

/// `POST /mail/campaigns/{id}/send`: now, or at `send_at` (RFC 3339) when given or stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SendInput {
    pub send_at: Option<String>,
}

// ---- report

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HourPoint {
    /// The hour's start, RFC 3339 UTC.
    pub hour: String,
    pub sent: u64,
    pub opened: u64,
    pub clicked: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkClicks {
    pub url: String,
    pub clicks: u64,
    /// Recipients who clicked it at least once.
    pub unique_clicks: u64,
}

/// A campaign's outcome. Counts are recipients (an open or click counts once per person);
/// `delivered` is `sent` less bounces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Report {
    pub recipients: u64,
    pub queued: u64,
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    /// Rows whose send was interrupted by a crash and were not retried (at most once).
    pub unknown: u64,
    pub opened: u64,
    pub clicked: u64,
    pub unsubscribed: u64,
    pub bounced: u64,
    pub total_opens: u64,
    pub total_clicks: u64,
    pub by_hour: Vec<HourPoint>,
    pub links: Vec<LinkClicks>,
    /// The subject test, when the campaign has one.
    pub ab: Option<AbReport>,
}

/// How each subject of an A/B test did with its test half.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VariantReport {
    /// "a" or "b".
    pub variant: String,
    pub subject: String,
    pub recipients: u64,
    pub sent: u64,
    pub opened: u64,
    pub clicked: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AbReport {
    pub test_percent: u32,
    pub wait_hours: u32,
    /// When the winner is (or was) picked, RFC 3339; known once sending starts.
    pub decides_at: Option<String>,
    pub winner: Option<String>,
    /// Recipients held back until the winner is known.
    pub held: u64,
    pub variants: Vec<VariantReport>,
}

// ---- delivery events

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryEventKind {
    /// The address does not exist (a hard bounce reported after the SMTP server took it).
    Bounce,
    /// The person marked the email as spam (a feedback loop report).
    Complaint,
}

/// `POST /mail/events`: a bounce or complaint reported after sending, by the SMTP provider's
/// webhook or a feedback loop. `message_id` (the `Message-ID` we sent, `<id@domain>`) ties it
/// to the campaign's report; without it the contact is found by `email`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryEvent {
    #[serde(rename = "type")]
    pub kind: DeliveryEventKind,
    pub email: String,
    #[serde(default)]
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryEventResult {
    pub contact_id: Uuid,
    /// The contact's consent now: `bounced` or `complained`.
    pub consent_status: String,
    /// The campaign the message belonged to, when `message_id` named one of ours.
    pub campaign_id: Option<Uuid>,
}

// ---- sequences (automations)

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SequenceTrigger {
    /// Someone signs up through a public form (the bio page's); with double opt-in, once
    /// they confirm.
    Signup,
    /// A contact gets the tag `trigger_tag` (by hand, in bulk, by import or by a form).
    Tag,
}

impl SequenceTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Tag => "tag",
        }
    }
}

/// One email of a sequence. `wait_days` (0 to 365) is the wait before it: after the
/// enrolment for the first step, after the previous step for the others.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StepInput {
    /// An existing step to keep (its report stays); absent for a new one.
    #[serde(default)]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub wait_days: u32,
    pub subject: String,
    #[serde(default)]
    pub template_id: Option<Uuid>,
    #[serde(default)]
    pub body_html: Option<String>,
}

/// Create or change a sequence. `steps`, when given, is the whole list in order: steps left
/// out are deleted with their reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SequenceInput {
    pub name: Option<String>,
    pub trigger: Option<SequenceTrigger>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub trigger_tag: Option<Option<String>>,
    /// Only an active sequence enrols people and sends.
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "double")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Uuid>))]
    pub identity_id: Option<Option<Uuid>>,
    pub from_email: Option<String>,
    pub from_name: Option<String>,
    pub steps: Option<Vec<StepInput>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StepView {
    /// The step's campaign: `GET /mail/campaigns/{id}/report` is its report.
    pub id: Uuid,
    pub position: u32,
    pub wait_days: u32,
    pub subject: String,
    pub template_id: Option<Uuid>,
    pub body_html: String,
    pub sent: u64,
    pub opened: u64,
    pub clicked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SequenceView {
    pub id: Uuid,
    pub name: String,
    pub trigger: SequenceTrigger,
    pub trigger_tag: Option<String>,
    pub active: bool,
    pub identity_id: Option<Uuid>,
    pub from_name: String,
    pub from_email: String,
    pub steps: Vec<StepView>,
    /// Everyone ever enrolled, and those still going through it.
    pub enrolled: u64,
    pub in_progress: u64,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_read_their_json_shape_including_nested_columns() {
        let raw = r#"[{"type":"heading","text":"Hi {{first_name|there}}"},{"type":"divider"},
            {"type":"columns","columns":[[{"type":"text","html":"<b>a</b>"}],[{"type":"button","label":"Go","href":"https://x.example"}]]}]"#;
        let blocks: Vec<Block> = serde_json::from_str(raw).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0], Block::Heading { text: "Hi {{first_name|there}}".into(), level: None });
        assert!(matches!(&blocks[2], Block::Columns { columns } if columns.len() == 2));
    }

    #[test]
    fn an_audience_is_tags_or_a_segment_and_patch_fields_tell_absent_from_null() {
        let a: Audience = serde_json::from_str(r#"{"tags":["vip"]}"#).unwrap();
        assert_eq!(a.tags.as_deref(), Some(&["vip".to_owned()][..]));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"tags":["vip"]}"#);
        let input: CampaignInput = serde_json::from_str(r#"{"template_id":null}"#).unwrap();
        assert_eq!(input.template_id, Some(None));
        assert_eq!(input.reply_to, None);
    }

    #[test]
    fn campaign_statuses_round_trip_and_only_unsent_ones_are_editable() {
        for s in CampaignStatus::ALL {
            assert_eq!(CampaignStatus::parse(s.as_str()), Some(s));
        }
        assert!(CampaignStatus::Scheduled.editable());
        assert!(!CampaignStatus::Sending.editable());
    }
}
