//! Compiles the remedy.v1 protocol with protox (pure Rust, no system `protoc`) and
//! generates the tonic services with tonic-prost-build. The encoded descriptor set is
//! written next to the generated code for the gRPC reflection service.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "remedy/v1/log.proto",
        "remedy/v1/admin.proto",
        "remedy/v1/view.proto",
    ];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    let descriptors = protox::compile(files, ["."])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("remedy_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // Our codec reserves each message's buffer at its length (src/lib.rs, `codec`).
    tonic_prost_build::configure()
        .codec_path("crate::codec::ExactCodec")
        .compile_fds(descriptors)?;
    Ok(())
}
