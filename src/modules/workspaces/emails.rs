//! The workspace emails, as plain text.
use crate::server::mail::Email;

pub fn invitation<'a>(inviter: &str, workspace: &str, role: &str, to: &'a str, link: &str) -> Email<'a> {
    Email {
        kind: "workspace_invitation",
        to,
        subject: "You are invited to a workspace on Mewayz",
        body_text: format!(
            "Hi,\n\n{inviter} invited you to join {workspace} on Mewayz as {role}.\n\nAccept the invitation here:\n\n{link}\n\n\
             The link works once and expires in 7 days. If you do not have a Mewayz account yet, you can create one with this \
             address ({to}) from that page. If you were not expecting this, ignore this email.\n\n— Mewayz\n"
        ),
    }
}
