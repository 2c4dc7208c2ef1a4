-- The workspace a user last opened, where `/app` takes them. No foreign key: a deleted or
-- left workspace simply stops resolving and the next one is picked.
alter table users add column current_workspace_id binary(16) null;
