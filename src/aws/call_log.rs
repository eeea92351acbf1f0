//! `--verbose`: one stderr line per AWS call (service, operation, HTTP
//! status or error, milliseconds), from an SDK interceptor shared by every
//! client, so that no call site has to remember to log.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The interceptor that logs each call when `--verbose` is in force, and
/// names a call that goes unanswered (see [`super::waiting`]).
#[derive(Debug, Clone)]
pub struct CallLog {
    ui: crate::ui::Ui,
    in_flight: std::sync::Arc<super::waiting::InFlight>,
}

impl CallLog {
    /// Logs through `ui`, when it is verbose.
    pub fn new(ui: crate::ui::Ui) -> CallLog {
        CallLog {
            ui,
            in_flight: std::sync::Arc::default(),
        }
    }
}

/// When the call started, and its place among the calls in flight (kept
/// in the call's own config bag: dropped with it, however the call ends,
/// a deadline that drops the call included).
#[derive(Debug)]
struct Started(Instant, super::waiting::Ticket);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "ledger::CallLog"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let call = cfg.load::<Metadata>().map_or_else(
            || "an AWS call".to_string(),
            |m| {
                let service = m.service().to_ascii_lowercase().replace(' ', "");
                format!("{service}:{}", m.name())
            },
        );
        let ticket = super::waiting::InFlight::started(&self.in_flight, call, self.ui);
        cfg.interceptor_state()
            .store_put(Started(Instant::now(), ticket));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(started) = cfg.load::<Started>() {
            started.1.end();
        }
        if !self.ui.is_verbose() {
            return Ok(());
        }
        let millis = cfg
            .load::<Started>()
            .map_or(0, |started| started.0.elapsed().as_millis());
        let (service, operation) = cfg
            .load::<Metadata>()
            .map_or(("?", "?"), |m| (m.service(), m.name()));
        let status = context
            .response()
            .map(|r| format!("HTTP {}", r.status().as_u16()));
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok".to_string(),
            // An error answer the caller may well expect (no encryption set: 404).
            Some(Err(_)) => "error".to_string(),
            None => "no answer".to_string(),
        };
        let outcome = match status {
            Some(status) => format!("{outcome} ({status})"),
            None => outcome,
        };
        crate::verbose!(
            self.ui,
            "aws: {service}.{operation} {outcome} in {millis} ms"
        );
        Ok(())
    }
}
