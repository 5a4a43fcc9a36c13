//! `cargo test --test contract`: conform's checks as one trial per operation x check, named
//! `<operationId>::<check>`. Configuration by environment: see `conform::harness`.

fn main() {
    conform::harness::main()
}
