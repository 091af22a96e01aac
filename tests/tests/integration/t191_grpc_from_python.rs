//! gRPC as clients nobody here wrote speak it (issue 17): Python's
//! `grpcio-reflection` (v1alpha only) lists a node's services over mutual TLS,
//! and bytes that are not a protobuf message get INVALID_ARGUMENT from every
//! kind of method. `make test` installs grpcio and grpcio-reflection from PyPI into
//! a virtual environment beside the build and names its Python in
//! `REMEDY_GRPC_PYTHON`.

use std::path::{Path, PathBuf};
use std::process::Command;

use remedy_tests::{NodeDir, RunningNode, bootstrap};

/// KH of a federation of KH and VN, running, and the federation's folder.
struct Node {
    fed: PathBuf,
    kh: NodeDir,
    _running: RunningNode,
    _tmp: tempfile::TempDir,
}

async fn kh_running() -> anyhow::Result<Node> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let running = kh.start().await?;
    Ok(Node {
        fed,
        kh,
        _running: running,
        _tmp: tmp,
    })
}

/// Runs `tests/reflection/SCRIPT` against KH as the member whose identity
/// folder is `client` (KH's certificate the only root), bounded to a minute so
/// that a client that hangs fails the test instead of holding it; returns
/// whether it succeeded and what it printed.
fn python_client(
    node: &Node,
    script: &str,
    client: &Path,
    extra: &[&str],
) -> anyhow::Result<(bool, String)> {
    let python = std::env::var_os("REMEDY_GRPC_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/grpc-venv/bin/python"));
    anyhow::ensure!(
        python.exists(),
        "{} is missing: run the tests with `make test`, which makes it (python3 -m venv, then pip install grpcio grpcio-reflection), and names it in REMEDY_GRPC_PYTHON",
        python.display()
    );
    let out = Command::new("timeout")
        .arg("60")
        .arg(python)
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("reflection")
                .join(script),
        )
        .arg(node.kh.addr.to_string())
        .arg(node.fed.join("KH").join("tls.crt"))
        .arg(client.join("tls.crt"))
        .arg(client.join("tls.key"))
        .arg("kh.members.remedy-net")
        .args(extra)
        .output()?;
    Ok((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_reflection_lists_the_services_over_mutual_tls() -> anyhow::Result<()> {
    let node = kh_running().await?;
    // VN's identity as the client: a member the node pins.
    let (ok, out) = python_client(&node, "list_services.py", &node.fed.join("VN"), &[])?;
    assert!(ok, "{out}");
    for service in [
        "grpc.health.v1.Health",
        "remedy.v1.Admin",
        "remedy.v1.Federation",
        "remedy.v1.Log",
        "remedy.v1.View",
    ] {
        assert!(
            out.lines().any(|l| l == service),
            "{service} missing:\n{out}"
        );
    }
    assert!(
        out.contains("remedy.v1.Log methods: ") && out.contains("Follow"),
        "{out}"
    );
    // A client the federation does not know (VN of another federation) gets
    // no answer at all.
    let other = node.fed.parent().expect("a parent").join("other");
    bootstrap(&other, "KH,VN", &[])?;
    let (ok, out) = python_client(&node, "list_services.py", &other.join("VN"), &["3"])?;
    assert!(!ok, "a stranger listed the services: {out}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_a_message_are_invalid_arguments() -> anyhow::Result<()> {
    let node = kh_running().await?;
    // KH's own identity: its operator, so the Admin methods read the request.
    let (ok, out) = python_client(&node, "malformed.py", &node.fed.join("KH"), &[])?;
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 10, "{out}");
    for line in lines {
        assert!(
            line.contains(" INVALID_ARGUMENT the request is not a valid message of this method: failed to decode Protobuf message"),
            "{line}"
        );
    }
    Ok(())
}
