//! Integration tests: one binary, one module per area.

mod it {
    mod check_cli;
    mod corpus;
    mod score_cli;
    mod serve_process;
    mod server;
    mod spans;
    mod train_eval;
}
