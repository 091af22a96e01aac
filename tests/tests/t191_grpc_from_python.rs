//! gRPC as clients nobody here wrote speak it (issue 17): Python's
//! `grpcio-reflection` (v1alpha only) lists a node's services over mutual TLS,
//! and bytes that are not a protobuf message get INVALID_ARGUMENT from every
//! kind of method. `make test` installs grpcio and grpcio-reflection from PyPI into
//! a virtual environment beside the build and names its Python in
//! `REMEDY_GRPC_PYTHON`.

use std::path::PathBuf;
use std::process::Command;

use remedy_tests::{NodeDir, bootstrap, path_arg};

/// The Python client, bounded to a minute so that a client that hangs fails
/// the test instead of holding it.
fn client(python: &std::path::Path) -> Command {
    let mut command = Command::new("timeout");
    command.arg("60").arg(python);
    command
}

fn python() -> PathBuf {
    std::env::var_os("REMEDY_GRPC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/grpc-venv/bin/python"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_reflection_lists_the_services_over_mutual_tls() -> anyhow::Result<()> {
    let python = python();
    anyhow::ensure!(
        python.exists(),
        "{} is missing: run the tests with `make test`, which makes it (python3 -m venv, then pip install grpcio grpcio-reflection), and names it in REMEDY_GRPC_PYTHON",
        python.display()
    );
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let _node = kh.start().await?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reflection/list_services.py");
    // VN's identity as the client: a member the node pins.
    let vn = fed.join("VN");
    let out = client(&python)
        .arg(&script)
        .arg(kh.addr.to_string())
        .arg(fed.join("KH").join("tls.crt"))
        .arg(path_arg(&vn.join("tls.crt")))
        .arg(path_arg(&vn.join("tls.key")))
        .arg("kh.members.remedy-net")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    for service in [
        "grpc.health.v1.Health",
        "remedy.v1.Admin",
        "remedy.v1.Federation",
        "remedy.v1.Log",
        "remedy.v1.View",
    ] {
        assert!(
            stdout.lines().any(|l| l == service),
            "{service} missing:\n{stdout}"
        );
    }
    assert!(
        stdout.contains("remedy.v1.Log methods: ") && stdout.contains("Follow"),
        "{stdout}"
    );
    // A client the federation does not know (VN of another federation) gets
    // no answer at all.
    let other = tmp.path().join("other");
    bootstrap(&other, "KH,VN", &[])?;
    let stranger = other.join("VN");
    let out = client(&python)
        .arg(&script)
        .arg(kh.addr.to_string())
        .arg(fed.join("KH").join("tls.crt"))
        .arg(path_arg(&stranger.join("tls.crt")))
        .arg(path_arg(&stranger.join("tls.key")))
        .arg("kh.members.remedy-net")
        .arg("3")
        .output()?;
    assert!(!out.status.success(), "a stranger listed the services");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_a_message_are_invalid_arguments() -> anyhow::Result<()> {
    let python = python();
    anyhow::ensure!(
        python.exists(),
        "{} is missing: run `make test`",
        python.display()
    );
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let _node = kh.start().await?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reflection/malformed.py");
    // KH's own identity: its operator, so the Admin methods read the request.
    let own = fed.join("KH");
    let out = client(&python)
        .arg(&script)
        .arg(kh.addr.to_string())
        .arg(own.join("tls.crt"))
        .arg(path_arg(&own.join("tls.crt")))
        .arg(path_arg(&own.join("tls.key")))
        .arg("kh.members.remedy-net")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{stdout}");
    for line in lines {
        assert!(
            line.contains(" INVALID_ARGUMENT the request is not a valid message of this method: failed to decode Protobuf message"),
            "{line}"
        );
    }
    Ok(())
}
