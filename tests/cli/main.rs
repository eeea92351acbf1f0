//! Integration tests: the real `ledger` binary on real git repositories
//! (and, for AWS, a real moto_server) created by the tests.

mod harness;
mod moto;
mod moto_config;
mod moto_stack;

mod audit_page;
mod aws_audit;
mod aws_errors;
mod aws_record;
mod bad_input;
mod ci_recipe;
mod concurrency;
mod config_services;
mod conventions;
mod docs;
mod edges;
mod errors;
mod flows;
mod import;
mod import_changelog;
mod import_doc;
mod json;
mod locks;
mod record;
mod render;
mod segments;
mod signing;
mod ssm;
mod store;
mod sync;
mod tamper;
mod whole_stack;
