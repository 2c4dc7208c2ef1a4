//! `/w/{slug}/members`: the members and their roles, invitations (by email, or a shareable join
//! link), and custom roles. Everyone with `members.read` sees the members and the built-in
//! roles; changing anything needs `members.manage`, and without it no control is rendered.
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::{
    Panel, SelectField, Time, copy_text, error_view, field_error, initials, loading_view, local_to_utc, use_me, workspace_href,
};
use crate::app::layout::use_workspace;
use crate::modules::auth::types::{Email, Page};
use crate::modules::catalog;
use crate::modules::workspaces::permissions::{Permission, PermissionSet, Role};
use crate::modules::workspaces::server_fns::{
    change_member_role, create_role, delete_role, invite_member, list_invitations, list_members, list_roles, remove_member,
    resend_invitation, revoke_invitation, update_role,
};
use crate::modules::workspaces::types::{
    BuiltInRoleView, InvitationView, InviteForm, MemberView, RoleForm, RoleView, RolesView, WorkspaceView,
};
use crate::shared::error::AppError;
use crate::shared::ui::{Button, ButtonVariant, Dialog, EmptyState, Icon, Table, TextField, ToastKind, loaded, use_toasts};

type MembersResource = Resource<Result<Page<MemberView>, AppError>>;
type RolesResource = Resource<Result<RolesView, AppError>>;
type InvitationsResource = Resource<Result<Page<InvitationView>, AppError>>;

/// The roles a member can be given: the built-in ones below the owner, then the custom ones.
fn role_options(roles: Option<&RolesView>) -> Vec<(String, String)> {
    let built_in = [Role::Admin, Role::Editor, Role::Viewer].into_iter().map(|r| (r.as_str().to_owned(), r.label().to_owned()));
    let custom = roles.into_iter().flat_map(|r| r.custom.iter().map(|c| (c.id.to_string(), c.name.clone())));
    built_in.chain(custom).collect()
}

/// A permission module's name in the role editor ("crm" → "Contacts").
fn module_label(module: &str) -> &'static str {
    match module {
        "workspace" => "Workspace",
        "members" => "Members",
        "billing" => "Billing",
        "activity" => "Activity log",
        other => catalog::find(other).map_or("Other", |m| m.name),
    }
}

/// The permissions a custom role may have, grouped by module in table order.
fn permission_groups() -> Vec<(&'static str, Vec<Permission>)> {
    let mut groups: Vec<(&'static str, Vec<Permission>)> = Vec::new();
    for p in Permission::ALL.iter().copied().filter(|p| p.assignable()) {
        match groups.last_mut() {
            Some((module, list)) if *module == p.module() => list.push(p),
            _ => groups.push((p.module(), vec![p])),
        }
    }
    groups
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let workspace = use_workspace();
    view! {
        <Title text="Members"/>
        {move || workspace.get().map(|w| view! { <MembersBody w=w/> })}
    }
}

#[component]
fn MembersBody(w: WorkspaceView) -> impl IntoView {
    let manage = w.can(Permission::MembersManage);
    let slug = w.slug.clone();
    let keyed = {
        let slug = slug.clone();
        move || slug.clone()
    };
    let members: MembersResource = Resource::new(keyed.clone(), list_members);
    let roles: RolesResource = Resource::new(keyed, list_roles);
    // A renamed or deleted custom role changes what the members table shows too.
    let roles_changed = Callback::new(move |()| {
        roles.refetch();
        members.refetch();
    });
    let activity = w.can(Permission::ActivityRead).then(|| workspace_href(&slug, "/activity"));
    view! {
        <div class="page-head">
            <h1 class="page-title">"Members"</h1>
            <p class="muted">{format!("The people in {} and what each of them can do.", w.name)}</p>
            {activity.map(|href| view! {
                <p><A href=href attr:class="inline-link"><Icon name="clock"/>"Activity log"</A></p>
            })}
        </div>
        <div class="settings settings-wide">
            <MembersCard slug=slug.clone() workspace_name=w.name.clone() members=members roles=roles manage=manage/>
            {manage.then(|| view! { <Invitations slug=slug.clone() roles=roles/> })}
            <RolesCard slug=slug roles=roles manage=manage changed=roles_changed/>
        </div>
    }
}

#[component]
fn MembersCard(slug: String, workspace_name: String, members: MembersResource, roles: RolesResource, manage: bool) -> impl IntoView {
    let me = use_me().map(|u| u.id);
    let toasts = use_toasts();
    let to_remove = RwSignal::new(None::<MemberView>);
    let confirm = RwSignal::new(false);
    // Applied as soon as a role is picked; the list reloads either way, which also puts a
    // refused change's select back.
    let change_role = {
        let slug = slug.clone();
        Callback::new(move |(user_id, role): (Uuid, String)| {
            let slug = slug.clone();
            spawn_local(async move {
                match change_member_role(slug, user_id, role).await {
                    Ok(m) => toasts.show(ToastKind::Success, format!("{} is now {}.", m.name, m.role_name)),
                    Err(err) => toasts.show(ToastKind::Error, err.field_message("role").map_or_else(|| err.to_string(), str::to_owned)),
                }
                members.refetch();
            });
        })
    };
    let ask_remove = Callback::new(move |m: MemberView| {
        to_remove.set(Some(m));
        confirm.set(true);
    });
    view! {
        <section class="card stack panel" aria-labelledby="members-title">
            <h2 id="members-title" class="card-title">"Members"</h2>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    let (list, roles) = (loaded(members).await, roles.await);
                    match list {
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) => {
                            let options = role_options(roles.as_ref().ok());
                            let mut headers = vec!["Member", "Role", "Joined", "Last active"];
                            if manage {
                                headers.push("Actions");
                            }
                            view! {
                                <p class="meta">{plural(page.total, "member", "members")}</p>
                                <div class="members-table">
                                <Table caption="Members" headers=headers>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|m| {
                                            // Nobody changes the owner or themselves here (transfer and leave do that).
                                            let editable = manage && m.role != Role::Owner.as_str() && Some(m.user_id) != me;
                                            member_row(m, me, manage, editable.then(|| options.clone()), change_role, ask_remove)
                                        })
                                        .collect_view()}
                                </Table>
                                </div>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
            {manage.then(|| view! {
                <Dialog open=confirm title="Remove member?">
                    <RemoveConfirm slug=slug.clone() workspace_name=workspace_name.clone() target=to_remove open=confirm members=members/>
                </Dialog>
            })}
        </section>
    }
}

/// One member; `options` is set when the viewer may change this member's role (and remove them).
fn member_row(
    m: MemberView,
    me: Option<Uuid>,
    manage: bool,
    options: Option<Vec<(String, String)>>,
    change_role: Callback<(Uuid, String)>,
    ask_remove: Callback<MemberView>,
) -> impl IntoView {
    let id = m.user_id;
    let editable = options.is_some();
    let avatar = match &m.avatar_url {
        Some(url) => view! { <img class="avatar-sm" src=url.clone() alt="" width="36" height="36"/> }.into_any(),
        None => view! { <span class="avatar-sm avatar-initials" aria-hidden="true">{initials(&m.name)}</span> }.into_any(),
    };
    let role = match options {
        Some(options) => {
            let current = m.role.clone();
            view! {
                <select
                    class="field-input field-select table-select"
                    aria-label=format!("Access for {}", m.name)
                    on:change=move |ev| change_role.run((id, event_target_value(&ev)))
                >
                    {options
                        .into_iter()
                        .map(|(value, text)| {
                            let selected = value == current;
                            view! { <option value=value selected=selected>{text}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        None => {
            let class = if m.role == Role::Owner.as_str() { "badge badge-success" } else { "badge" };
            view! { <span class=class>{m.role_name.clone()}</span> }.into_any()
        }
    };
    let actions = manage.then(|| {
        let target = m.clone();
        let label = format!("Remove {}", m.name);
        view! {
            <td>
                {editable.then(|| view! {
                    <Button variant=ButtonVariant::Ghost attr:aria-label=label
                        on_click=Callback::new(move |()| ask_remove.run(target.clone()))>
                        "Remove"
                    </Button>
                })}
            </td>
        }
    });
    view! {
        <tr>
            <td>
                <div class="member-cell">
                    {avatar}
                    <div class="list-main">
                        <span class="list-title">
                            {m.name}
                            {(Some(id) == me).then(|| view! { <span class="badge">"You"</span> })}
                        </span>
                        <span class="meta break">{m.email}</span>
                    </div>
                </div>
            </td>
            <td>{role}</td>
            <td class="nowrap"><Time at=m.joined_at date_only=true/></td>
            <td class="nowrap">
                {match m.last_active_at {
                    Some(at) => view! { <Time at=at/> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            {actions}
        </tr>
    }
}

#[component]
fn RemoveConfirm(
    slug: String,
    workspace_name: String,
    target: RwSignal<Option<MemberView>>,
    open: RwSignal<bool>,
    members: MembersResource,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let remove = Callback::new(move |()| {
        let Some(m) = target.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = remove_member(slug, m.user_id).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("{} was removed.", m.name));
                    members.refetch();
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    let text = move || {
        target.get().map(|m| {
            format!("{} ({}) loses access to {workspace_name} right away. What they made stays in the workspace.", m.name, m.email)
        })
    };
    view! {
        <p class="muted break">{text}</p>
        <div class="row dialog-actions">
            <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
            <Button variant=ButtonVariant::Danger loading=busy on_click=remove>"Remove member"</Button>
        </div>
    }
}

/// The role picker of the invitation forms. It renders before the custom roles have loaded
/// (built-in roles only) and keeps the chosen value when they arrive.
#[component]
fn RoleSelect(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    roles: RolesResource,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Transition fallback=move || view! { <SelectField label=label name=name value=value options=role_options(None) error=error/> }>
            {move || Suspend::new(async move {
                let roles = loaded(roles).await;
                view! { <SelectField label=label name=name value=value options=role_options(roles.as_ref().ok()) error=error/> }
            })}
        </Transition>
    }
}

#[component]
fn Invitations(slug: String, roles: RolesResource) -> impl IntoView {
    let invitations: InvitationsResource = Resource::new(
        {
            let slug = slug.clone();
            move || slug.clone()
        },
        list_invitations,
    );
    let (email_slug, link_slug) = (slug.clone(), slug.clone());
    view! {
        <Panel id="invite" title="Invite people">
            <InviteByEmail slug=email_slug roles=roles invitations=invitations/>
            <hr class="divider"/>
            <JoinLinkForm slug=link_slug roles=roles invitations=invitations/>
        </Panel>
        <PendingInvitations slug=slug invitations=invitations/>
    }
}

#[component]
fn InviteByEmail(slug: String, roles: RolesResource, invitations: InvitationsResource) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Editor.as_str().to_owned());
    let errors = RwSignal::new(None::<AppError>);
    let sending = RwSignal::new(false);
    let toasts = use_toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let typed = email.get_untracked().trim().to_owned();
        if let Err(message) = Email::parse(&typed) {
            errors.set(Some(AppError::field("email", message)));
            return;
        }
        errors.set(None);
        sending.set(true);
        let form = InviteForm { email: Some(typed.clone()), role: role.get_untracked(), ..Default::default() };
        let slug = slug.clone();
        spawn_local(async move {
            let result = invite_member(slug, form).await;
            sending.set(false);
            match result {
                Ok(_) => {
                    email.set(String::new());
                    toasts.show(ToastKind::Success, format!("Invitation sent to {typed}. It works for 7 days."));
                    invitations.refetch();
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                // "Already a member", "already invited": about the address typed.
                Err(AppError::Conflict { message }) => errors.set(Some(AppError::field("email", message))),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <h3 class="subsection-title">"By email"</h3>
            <div class="form-grid">
                <TextField label="Email" name="email" input_type="email" autocomplete="off" placeholder="name@example.com"
                    value=email error=field_error(errors, "email")/>
                <RoleSelect label="Role" name="role" value=role roles=roles error=field_error(errors, "role")/>
            </div>
            <div><Button button_type="submit" loading=sending><Icon name="mail"/>"Send invitation"</Button></div>
        </form>
    }
}

#[component]
fn JoinLinkForm(slug: String, roles: RolesResource, invitations: InvitationsResource) -> impl IntoView {
    let role = RwSignal::new(Role::Editor.as_str().to_owned());
    let expires = RwSignal::new(String::new());
    let max_uses = RwSignal::new(String::new());
    let errors = RwSignal::new(None::<AppError>);
    let creating = RwSignal::new(false);
    // The new link's URL: only its hash is stored, so it is shown once, here.
    let created = RwSignal::new(None::<String>);
    let toasts = use_toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if creating.get_untracked() {
            return;
        }
        let local = expires.get_untracked().trim().to_owned();
        let expires_at = match local.as_str() {
            "" => None,
            local => match local_to_utc(local) {
                Some(utc) => Some(utc),
                None => {
                    errors.set(Some(AppError::field("expires_at", "Choose a date and time, or leave it empty.")));
                    return;
                }
            },
        };
        let max = match max_uses.get_untracked().trim() {
            "" => None,
            raw => match raw.parse::<u32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.set(Some(AppError::field("max_uses", "Enter a whole number, like 10, or leave it empty.")));
                    return;
                }
            },
        };
        errors.set(None);
        creating.set(true);
        let form = InviteForm { email: None, role: role.get_untracked(), expires_at, max_uses: max };
        let slug = slug.clone();
        spawn_local(async move {
            let result = invite_member(slug, form).await;
            creating.set(false);
            match result {
                Ok(new) => {
                    created.set(Some(new.url));
                    expires.set(String::new());
                    max_uses.set(String::new());
                    toasts.show(ToastKind::Success, "Join link created.");
                    invitations.refetch();
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <h3 class="subsection-title">"Join link"</h3>
            <p class="muted">"Anyone with the link can join. Share it in a group chat or on your team page."</p>
            <div class="form-grid form-grid-3">
                <RoleSelect label="People join as" name="link_role" value=role roles=roles error=field_error(errors, "role")/>
                <TextField label="Expires" name="expires_at" input_type="datetime-local" hint="Optional. Empty: it never expires."
                    value=expires error=field_error(errors, "expires_at")/>
                <TextField label="Maximum uses" name="max_uses" input_type="number" hint="Optional. Empty: no limit."
                    value=max_uses error=field_error(errors, "max_uses")/>
            </div>
            <div><Button button_type="submit" variant=ButtonVariant::Secondary loading=creating><Icon name="link"/>"Create link"</Button></div>
            {move || created.get().map(|url| {
                let copied = url.clone();
                view! {
                    <div class="stack-sm" role="status">
                        <p class="field-label">"Your join link"</p>
                        <div class="copy-row">
                            <code class="token">{url}</code>
                            <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| copy_text(toasts, copied.clone(), "Link"))>
                                <Icon name="copy"/>"Copy"
                            </Button>
                        </div>
                        <p class="field-hint">"Copy it now: it is shown only once. Revoke it below to stop it working."</p>
                    </div>
                }
            })}
        </form>
    }
}

#[component]
fn PendingInvitations(slug: String, invitations: InvitationsResource) -> impl IntoView {
    let busy = RwSignal::new(None::<Uuid>);
    let toasts = use_toasts();
    // `(id, true)` resends an emailed invitation, `(id, false)` revokes one.
    let act = Callback::new(move |(id, resend): (Uuid, bool)| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(id));
        let slug = slug.clone();
        spawn_local(async move {
            let result = if resend {
                resend_invitation(slug, id).await.map(|c| format!("Sent again to {}.", c.invitation.email.unwrap_or_default()))
            } else {
                revoke_invitation(slug, id).await.map(|()| "Invitation revoked. Its link no longer works.".to_owned())
            };
            busy.set(None);
            match result {
                Ok(message) => toasts.show(ToastKind::Success, message),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
            invitations.refetch();
        });
    });
    view! {
        <Panel id="invitations" title="Pending invitations">
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(invitations).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(page) if page.items.is_empty() => view! {
                            <EmptyState icon="mail" title="No pending invitations"
                                text="Invitations you send and join links you create show here until they are used up or revoked."/>
                        }
                        .into_any(),
                        Ok(page) => view! {
                            <div class="invitations-table">
                                <Table caption="Pending invitations" headers=vec!["Invitation", "Role", "Status", "Expires", "Uses", "Actions"]>
                                    {page.items.into_iter().map(|i| invitation_row(i, busy, act)).collect_view()}
                                </Table>
                            </div>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </Panel>
    }
}

fn invitation_row(i: InvitationView, busy: RwSignal<Option<Uuid>>, act: Callback<(Uuid, bool)>) -> impl IntoView {
    let id = i.id;
    let emailed = i.kind == "email";
    let who = i.email.clone().unwrap_or_else(|| "Join link".into());
    let (status_class, status) = match i.status.as_str() {
        "pending" => ("badge badge-success", "Pending".to_owned()),
        "expired" => ("badge badge-warning", "Expired".to_owned()),
        "used_up" => ("badge badge-warning", "Used up".to_owned()),
        other => ("badge", other.replace('_', " ")),
    };
    let uses = match (emailed, i.max_uses) {
        (true, _) => "—".to_owned(),
        (false, Some(max)) => format!("{} / {max}", i.uses),
        (false, None) => i.uses.to_string(),
    };
    let can_resend = emailed && i.status == "pending";
    let loading = Signal::derive(move || busy.get() == Some(id));
    let (resend_label, revoke_label) = (format!("Resend the invitation to {who}"), format!("Revoke: {who}"));
    view! {
        <tr>
            <td>
                <div class="list-main">
                    <span class="list-title break">
                        <Icon name=if emailed { "mail" } else { "link" }/>
                        {who}
                    </span>
                    {i.invited_by.map(|by| view! { <span class="meta">"From "{by}</span> })}
                </div>
            </td>
            <td>{i.role_name}</td>
            <td><span class=status_class>{status}</span></td>
            <td class="nowrap">
                {match i.expires_at {
                    Some(at) => view! { <Time at=at/> }.into_any(),
                    None => view! { <span class="muted">"Never"</span> }.into_any(),
                }}
            </td>
            <td class="nowrap">{uses}</td>
            <td>
                <div class="table-actions">
                    {can_resend.then(|| view! {
                        <Button variant=ButtonVariant::Ghost attr:aria-label=resend_label loading=loading
                            on_click=Callback::new(move |()| act.run((id, true)))>
                            "Resend"
                        </Button>
                    })}
                    <Button variant=ButtonVariant::Ghost attr:aria-label=revoke_label loading=loading
                        on_click=Callback::new(move |()| act.run((id, false)))>
                        "Revoke"
                    </Button>
                </div>
            </td>
        </tr>
    }
}

#[component]
fn RolesCard(slug: String, roles: RolesResource, manage: bool, changed: Callback<()>) -> impl IntoView {
    let editor = RwSignal::new(false);
    let editing = RwSignal::new(None::<RoleView>);
    let confirm = RwSignal::new(false);
    let deleting = RwSignal::new(None::<RoleView>);
    let open_editor = Callback::new(move |role: Option<RoleView>| {
        editing.set(role);
        editor.set(true);
    });
    let ask_delete = Callback::new(move |role: RoleView| {
        deleting.set(Some(role));
        confirm.set(true);
    });
    view! {
        <section class="card stack" aria-labelledby="roles-title">
            <div class="card-head">
                <h2 id="roles-title" class="card-title">"Roles"</h2>
                {manage.then(|| view! {
                    <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open_editor.run(None))>
                        <Icon name="plus"/>"New role"
                    </Button>
                })}
            </div>
            <Transition fallback=loading_view>
                {move || Suspend::new(async move {
                    match loaded(roles).await {
                        Err(err) => error_view(&err).into_any(),
                        Ok(r) => {
                            let custom = if r.custom.is_empty() {
                                let text = if manage {
                                    "No custom roles yet. Create one to give someone exactly the permissions they need."
                                } else {
                                    "This workspace has no custom roles."
                                };
                                view! { <p class="muted">{text}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="list" aria-label="Custom roles">
                                        {r.custom.into_iter().map(|role| custom_role_row(role, manage, open_editor, ask_delete)).collect_view()}
                                    </ul>
                                }
                                .into_any()
                            };
                            view! {
                                <h3 class="subsection-title">"Built-in roles"</h3>
                                <ul class="list" aria-label="Built-in roles">{r.built_in.into_iter().map(built_in_row).collect_view()}</ul>
                                <h3 class="subsection-title">"Custom roles"</h3>
                                {custom}
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
            {manage.then(|| {
                let delete_slug = slug.clone();
                view! {
                    <Dialog open=editor title="Custom role">
                        <RoleEditor slug=slug.clone() editing=editing open=editor changed=changed/>
                    </Dialog>
                    <Dialog open=confirm title="Delete role?">
                        <DeleteRole slug=delete_slug.clone() target=deleting open=confirm changed=changed/>
                    </Dialog>
                }
            })}
        </section>
    }
}

fn built_in_row(role: BuiltInRoleView) -> impl IntoView {
    let count = role.permissions.iter().count() as u64;
    view! {
        <li class="row-item">
            <div class="list-main">
                <span class="list-title">{role.name}</span>
                <span class="meta">{role.description}</span>
            </div>
            <span class="meta nowrap">{plural(count, "permission", "permissions")}</span>
        </li>
    }
}

fn custom_role_row(role: RoleView, manage: bool, open_editor: Callback<Option<RoleView>>, ask_delete: Callback<RoleView>) -> impl IntoView {
    let count = role.permissions.iter().count() as u64;
    let summary = format!("{} · {}", plural(u64::from(role.members), "member", "members"), plural(count, "permission", "permissions"));
    let actions = manage.then(|| {
        let (edit, delete) = (role.clone(), role.clone());
        view! {
            <div class="table-actions">
                <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Edit {}", role.name)
                    on_click=Callback::new(move |()| open_editor.run(Some(edit.clone())))>
                    "Edit"
                </Button>
                <Button variant=ButtonVariant::Ghost attr:aria-label=format!("Delete {}", role.name)
                    on_click=Callback::new(move |()| ask_delete.run(delete.clone()))>
                    <Icon name="trash"/>"Delete"
                </Button>
            </div>
        }
    });
    view! {
        <li class="row-item">
            <div class="list-main">
                <span class="list-title">{role.name.clone()}</span>
                {(!role.description.is_empty()).then(|| view! { <span class="meta">{role.description.clone()}</span> })}
                <span class="meta">{summary}</span>
            </div>
            {actions}
        </li>
    }
}

/// Creates a custom role, or edits the one in `editing`.
#[component]
fn RoleEditor(slug: String, editing: RwSignal<Option<RoleView>>, open: RwSignal<bool>, changed: Callback<()>) -> impl IntoView {
    let current = editing.get_untracked();
    let id = current.as_ref().map(|r| r.id);
    let name = RwSignal::new(current.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(current.as_ref().map(|r| r.description.clone()).unwrap_or_default());
    let picked = RwSignal::new(current.map(|r| r.permissions).unwrap_or_default());
    let errors = RwSignal::new(None::<AppError>);
    let saving = RwSignal::new(false);
    let toasts = use_toasts();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let typed = name.get_untracked().trim().to_owned();
        let permissions: Vec<String> = picked.get_untracked().iter().map(|p| p.code().to_owned()).collect();
        let problem = if typed.is_empty() {
            Some(AppError::field("name", "Name the role, like Support or Bookkeeper."))
        } else if permissions.is_empty() {
            Some(AppError::field("permissions", "Pick at least one permission."))
        } else {
            None
        };
        if problem.is_some() {
            errors.set(problem);
            return;
        }
        errors.set(None);
        saving.set(true);
        let form = RoleForm {
            name: Some(typed),
            description: Some(description.get_untracked().trim().to_owned()),
            permissions: Some(permissions),
        };
        let slug = slug.clone();
        spawn_local(async move {
            let result = match id {
                Some(id) => update_role(slug, id, form).await,
                None => create_role(slug, form).await,
            };
            saving.set(false);
            match result {
                Ok(role) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("Saved the {} role.", role.name));
                    changed.run(());
                }
                Err(err @ AppError::Validation { .. }) => errors.set(Some(err)),
                Err(AppError::Forbidden) => toasts.show(ToastKind::Error, "You can only give permissions you have yourself."),
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    };
    view! {
        <form class="stack" novalidate on:submit=submit>
            <TextField label="Name" name="role_name" value=name error=field_error(errors, "name")/>
            <TextField label="Description" name="role_description" hint="Optional. What this role is for."
                value=description error=field_error(errors, "description")/>
            <PermissionPicker picked=picked error=field_error(errors, "permissions")/>
            <div class="row dialog-actions">
                <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
                <Button button_type="submit" loading=saving>"Save role"</Button>
            </div>
        </form>
    }
}

#[component]
fn PermissionPicker(picked: RwSignal<PermissionSet>, error: Signal<Option<String>>) -> impl IntoView {
    let toggle = move |p: Permission, on: bool| {
        picked.update(|set| {
            *set = set.iter().filter(|q| *q != p).chain(on.then_some(p)).collect();
        });
    };
    view! {
        <fieldset class="scope-fieldset" aria-describedby="permissions-desc">
            <legend class="field-label">"Permissions"</legend>
            <div class="scope-grid perm-groups">
                {permission_groups()
                    .into_iter()
                    .map(|(module, perms)| view! {
                        <div class="perm-group" role="group" aria-label=module_label(module)>
                            <p class="perm-module">{module_label(module)}</p>
                            {perms
                                .into_iter()
                                .map(|p| view! {
                                    <label class="check">
                                        <input
                                            type="checkbox"
                                            name="permissions"
                                            value=p.code()
                                            prop:checked=move || picked.with(|s| s.contains(p))
                                            on:change=move |ev| toggle(p, event_target_checked(&ev))
                                        />
                                        {p.label()}
                                    </label>
                                })
                                .collect_view()}
                        </div>
                    })
                    .collect_view()}
            </div>
            <p id="permissions-desc" class=move || if error.with(Option::is_some) { "field-error" } else { "field-hint" }>
                {move || error.get().unwrap_or_else(|| "Members with this role can do exactly these things.".into())}
            </p>
        </fieldset>
    }
}

#[component]
fn DeleteRole(slug: String, target: RwSignal<Option<RoleView>>, open: RwSignal<bool>, changed: Callback<()>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let toasts = use_toasts();
    let delete = Callback::new(move |()| {
        let Some(role) = target.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let slug = slug.clone();
        spawn_local(async move {
            let result = delete_role(slug, role.id).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    open.set(false);
                    toasts.show(ToastKind::Success, format!("Deleted the {} role.", role.name));
                    changed.run(());
                }
                Err(err) => toasts.show(ToastKind::Error, err.to_string()),
            }
        });
    });
    view! {
        <p class="muted">
            {move || target.get().map(|r| format!("The {} role is deleted for good. Members who have it need another role first.", r.name))}
        </p>
        <div class="row dialog-actions">
            <Button variant=ButtonVariant::Secondary on_click=Callback::new(move |()| open.set(false))>"Cancel"</Button>
            <Button variant=ButtonVariant::Danger loading=busy on_click=delete>"Delete role"</Button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_roles_offer_every_assignable_permission_once_grouped_by_module() {
        let groups = permission_groups();
        let all: Vec<Permission> = groups.iter().flat_map(|(_, ps)| ps.iter().copied()).collect();
        assert_eq!(all.len(), Permission::ALL.iter().filter(|p| p.assignable()).count());
        assert!(!all.contains(&Permission::WorkspaceDelete));
        let modules: Vec<&str> = groups.iter().map(|(m, _)| *m).collect();
        let mut unique = modules.clone();
        unique.dedup();
        assert_eq!(modules, unique);
        assert_eq!(module_label("crm"), "Contacts");
        assert_eq!(module_label("members"), "Members");
    }

    #[test]
    fn the_role_picker_lists_built_in_roles_below_the_owner_first() {
        let options = role_options(None);
        assert_eq!(options.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>(), ["admin", "editor", "viewer"]);
    }
}
