//! The real binary: start-up failures and graceful shutdown.
use std::{
    io::Read,
    net::TcpListener,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn server(database_url: &str, port: u16) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mewayz"));
    cmd.env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LOG_LEVEL", "warn")
        .env("JOB_WORKERS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn an_unreachable_database_stops_start_up_with_one_line_naming_database_url() {
    let dead_port = free_port();
    let out = server(&format!("mysql://someone:secret@127.0.0.1:{dead_port}/nope"), free_port()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| l.starts_with("mewayz:")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("secret"), "the password is not printed: {stderr}");
}

#[test]
fn an_invalid_setting_is_named_in_the_error() {
    let out = server("mysql://u:p@127.0.0.1:1/x", free_port()).env("JOB_WORKERS", "lots").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("JOB_WORKERS is invalid"));
}

#[test]
fn sigterm_drains_and_exits_cleanly() {
    let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for the tests");
    let port = free_port();
    let mut child = server(&database_url, port).spawn().unwrap();
    let started = Instant::now();
    let ready = loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::Write;
            let _ = stream.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut buf = String::new();
            let _ = stream.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                break true;
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(ready, "server became ready");
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not exit within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "clean exit: {status:?}");
}
