//! Generated types and services of the `remedy.v1` gRPC protocol.
//!
//! Only the gRPC adapter in `remedy-node` (and the CLI's client) touch these types;
//! the domain converts from them in one place.

#![allow(missing_docs, missing_debug_implementations, clippy::all)]

pub mod v1 {
    tonic::include_proto!("remedy.v1");
}

/// The codec of every remedy.v1 service (`build.rs` names it): prost's, except
/// that a message's buffer is reserved at the message's encoded length before
/// encoding it.
///
/// Without that, tonic's buffer grew as prost wrote: a follow page holding one
/// 1 MB event was written into 1 MB, and the field after the event doubled the
/// buffer to 2 MB, which the page then held until its connection had sent it.
/// With 50 follow streams of 1 MB events, those buffers were 200 of the node's
/// 290 MiB (heaptrack, `remedy-bench --follow-only`).
pub mod codec {
    use std::marker::PhantomData;

    use prost::Message;
    use tonic::Status;
    use tonic::codec::{Codec, EncodeBuf, Encoder};

    #[derive(Debug, Clone)]
    pub struct ExactCodec<T, U>(tonic_prost::ProstCodec<T, U>);

    impl<T, U> Default for ExactCodec<T, U> {
        fn default() -> Self {
            Self(tonic_prost::ProstCodec::default())
        }
    }

    impl<T, U> Codec for ExactCodec<T, U>
    where
        T: Message + Send + 'static,
        U: Message + Default + Send + 'static,
    {
        type Encode = T;
        type Decode = U;
        type Encoder = ExactEncoder<T>;
        type Decoder = tonic_prost::ProstDecoder<U>;

        fn encoder(&mut self) -> Self::Encoder {
            ExactEncoder(PhantomData)
        }

        fn decoder(&mut self) -> Self::Decoder {
            self.0.decoder()
        }
    }

    /// Encodes a message into a buffer reserved at its encoded length.
    #[derive(Debug, Clone)]
    pub struct ExactEncoder<T>(PhantomData<T>);

    impl<T: Message> Encoder for ExactEncoder<T> {
        type Item = T;
        type Error = Status;

        fn encode(&mut self, item: T, buf: &mut EncodeBuf<'_>) -> Result<(), Status> {
            buf.reserve(item.encoded_len());
            item.encode(buf)
                .map_err(|e| Status::internal(format!("encoding a message: {e}")))
        }
    }
}

/// The encoded file descriptor set, for the gRPC reflection service.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("remedy_descriptor");
