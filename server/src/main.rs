/// mimalloc rather than the system's allocator: glibc's maps and unmaps each large
/// block (a compressor's tables, a page of rows) per request, and the page faults and
/// cross-CPU TLB flushes that follow showed in every profile of a compressed answer.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    purser_server::cli::run().await
}
