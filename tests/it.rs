//! Integration tests: one binary, one module per area.

mod it {
    mod browser;
    mod check_cli;
    mod closed_pipe;
    mod corpus;
    mod deploy;
    mod directional;
    mod doors;
    mod encoder;
    mod engine;
    mod http_fuzz;
    mod http_hardening;
    mod int8;
    mod invariance;
    mod layers;
    mod long_notes;
    mod malloc;
    mod page;
    mod real_data;
    mod score_cli;
    mod segment_cli;
    mod serve_process;
    mod server;
    mod shard;
    mod soak_cli;
    mod spans;
    mod train_eval;
    mod trust_fit;
}
