-- A/B subject test. With `subject_b` set, `ab_test_percent` of the audience is the test
-- group, split evenly between the two subjects; the rest is held back (`mail_recipients.status
-- = 'held'`) until `ab_wait_hours` after the start, then gets the subject with the better open
-- rate (`ab_winner`: 'a' or 'b'). `variant` records which subject a recipient got.
alter table mail_campaigns
    add column subject_b varchar(255) null after subject,
    add column ab_test_percent int null after subject_b,
    add column ab_wait_hours int null after ab_test_percent,
    add column ab_winner char(1) null after ab_wait_hours,
    add column ab_decided_at datetime(6) null after ab_winner;

alter table mail_recipients add column variant char(1) null after last_name;
