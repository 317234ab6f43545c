//! Raw scenario → validated scenario, collecting every problem with its position.
//!
//! A component whose references resolve is kept even when one of its values is out of range
//! (the error is recorded, so the scenario is rejected anyway): that way the whole-topology
//! checks still run and report their problems in the same pass.

use std::collections::{BTreeMap, BTreeSet};

use super::locate::Locations;
use super::raw::*;
use super::*;
use crate::calibration as cal;

mod ctx;
mod cycles;
mod dist;
mod faults;
mod prices;
mod sanity;
mod workload;

use ctx::{Ctx, count, optional, suggest};
use prices::price;

fn validate(ctx: &mut Ctx, raw: RawScenario) -> Option<Scenario> {
    let horizon = ctx.positive_duration("horizon", &raw.horizon);
    let prices = prices::prices(&raw.prices, ctx);
    let (kinds, sources) = workload::sources(ctx, &raw.workload);
    let faults = faults::faults(ctx, &raw.faults, &raw.architectures, &kinds, horizon);
    if raw.architectures.is_empty() {
        ctx.error("architectures", "at least one architecture is needed");
    }
    let mut seen = BTreeSet::new();
    let mut architectures = Vec::new();
    for (i, a) in raw.architectures.iter().enumerate() {
        if !seen.insert(a.name.as_str()) {
            ctx.error(
                &format!("architectures[{i}].name"),
                format!("architecture name {:?} is used twice", a.name),
            );
        }
        architectures.push(architecture(ctx, &format!("architectures[{i}]"), a, &kinds));
    }
    sanity::check(ctx, &raw, horizon);
    Some(Scenario {
        name: raw.name,
        about: raw.about,
        lesson: raw.lesson,
        horizon: horizon?,
        seed: raw.seed,
        prices,
        kinds,
        sources,
        architectures: architectures.into_iter().collect::<Option<Vec<_>>>()?,
        faults: faults?,
    })
}

pub(super) fn load(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let loc = Locations::parse(text);
    let raw = match raw::parse(text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, col) = (e.span.start.line, e.span.start.col);
            let path = loc.path_at(line, col);
            return Err(ScenarioError {
                diagnostics: vec![Diagnostic {
                    severity: Severity::Error,
                    file: file.to_string(),
                    line,
                    col,
                    path,
                    message: e.code.to_string(),
                }],
            });
        }
    };
    let mut ctx = Ctx {
        file,
        text,
        loc,
        diags: Vec::new(),
    };
    let scenario = validate(&mut ctx, raw);
    let (mut errors, warnings): (Vec<_>, Vec<_>) = ctx
        .diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error);
    match scenario {
        Some(scenario) if errors.is_empty() => Ok(Loaded { scenario, warnings }),
        _ => {
            errors.sort_by_key(|d| (d.line, d.col));
            Err(ScenarioError {
                diagnostics: errors,
            })
        }
    }
}

/// Which component kinds a reference may name.
#[derive(Clone, Copy)]
enum Want {
    /// Call: function, server, gateway or external service.
    Callable,
    /// Emit: topic, queue or function.
    Emittable,
    /// Read/Write.
    Database,
    /// Put/Get.
    Storage,
    /// Entry or gateway route: server, function or gateway.
    Entry,
    /// Queue consumer.
    Function,
    /// Dead-letter queue.
    Queue,
    /// Topic subscriber: function or queue.
    Subscriber,
    /// A call policy's target: anything a step can call, read, write, put or get.
    Callee,
}

impl Want {
    fn accepts(self, spec: &RawComponent) -> bool {
        use RawComponent as C;
        match self {
            Want::Callable => matches!(
                spec,
                C::Function { .. }
                    | C::Server { .. }
                    | C::Gateway { .. }
                    | C::External { .. }
                    | C::Orchestrator { .. }
            ),
            Want::Emittable => matches!(
                spec,
                C::Topic { .. } | C::Queue { .. } | C::Function { .. } | C::Orchestrator { .. }
            ),
            Want::Database => matches!(spec, C::Database { .. }),
            Want::Storage => matches!(spec, C::Storage { .. }),
            Want::Entry => matches!(
                spec,
                C::Server { .. } | C::Function { .. } | C::Gateway { .. } | C::Orchestrator { .. }
            ),
            Want::Function => matches!(spec, C::Function { .. }),
            Want::Queue => matches!(spec, C::Queue { .. }),
            Want::Subscriber => matches!(spec, C::Function { .. } | C::Queue { .. }),
            Want::Callee => !matches!(spec, C::Queue { .. } | C::Topic { .. }),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Want::Callable => "a function, server, gateway, orchestrator or external service",
            Want::Emittable => "a topic, queue, function or orchestrator",
            Want::Database => "a database",
            Want::Storage => "a storage",
            Want::Entry => "a server, function, gateway or orchestrator",
            Want::Function => "a function",
            Want::Queue => "a queue",
            Want::Subscriber => "a function or queue",
            Want::Callee => "a component that is called (not a queue or topic)",
        }
    }
}

fn kind_word(c: &RawComponent) -> &'static str {
    match c {
        RawComponent::Server { .. } => "a server",
        RawComponent::Function { .. } => "a function",
        RawComponent::Gateway { .. } => "a gateway",
        RawComponent::Queue { .. } => "a queue",
        RawComponent::Topic { .. } => "a topic",
        RawComponent::Storage { .. } => "a storage",
        RawComponent::Database { .. } => "a database",
        RawComponent::External { .. } => "an external service",
        RawComponent::Orchestrator { .. } => "an orchestrator",
    }
}

/// Resolves component names within one architecture.
struct Names<'a> {
    raw: &'a [RawComponent],
    ids: BTreeMap<&'a str, CompId>,
}

impl Names<'_> {
    fn resolve(
        &self,
        ctx: &mut Ctx,
        path: &str,
        name: &str,
        want: Want,
        step: &str,
    ) -> Option<CompId> {
        let Some(&id) = self.ids.get(name) else {
            let hint = suggest(name, self.ids.keys().copied());
            ctx.error(
                path,
                format!("no component named {name:?} in this architecture{hint}"),
            );
            return None;
        };
        let target = &self.raw[id];
        if want.accepts(target) {
            return Some(id);
        }
        let advice = match (step, target) {
            ("Call", RawComponent::Database { .. }) => {
                format!(": use Read({name:?}) or Write({name:?})")
            }
            ("Call", RawComponent::Storage { .. }) => {
                format!(": use Put({name:?}) or Get({name:?})")
            }
            ("Call", RawComponent::Queue { .. } | RawComponent::Topic { .. }) => {
                format!(": use Emit({name:?}) to send to it")
            }
            _ => String::new(),
        };
        ctx.error(
            path,
            format!(
                "{name:?} is {}, but {} is needed here{advice}",
                kind_word(target),
                want.describe()
            ),
        );
        None
    }
}

fn kind_id(ctx: &mut Ctx, path: &str, kind: &str, kinds: &[String]) -> Option<KindId> {
    let id = kinds.iter().position(|k| k == kind);
    if id.is_none() {
        let hint = suggest(kind, kinds.iter().map(String::as_str));
        ctx.key_error(
            path,
            format!("{kind:?} is not a transaction kind of the workload{hint}"),
        );
    }
    id
}

fn work(ctx: &mut Ctx, path: &str, steps: &[RawStep], names: &Names) -> Option<Work> {
    let mut out = Vec::with_capacity(steps.len());
    let mut ok = true;
    for (i, s) in steps.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let step = match s {
            RawStep::Compute(d) => ctx.dist(&p, d).map(Step::Compute),
            RawStep::Cpu(d) => ctx.dist(&p, d).map(Step::Cpu),
            RawStep::Call(n) => names
                .resolve(ctx, &p, n, Want::Callable, "Call")
                .map(Step::Call),
            RawStep::Emit(n) => names
                .resolve(ctx, &p, n, Want::Emittable, "Emit")
                .map(Step::Emit),
            RawStep::Send { to, kb } => {
                if !(kb.is_finite() && *kb > 0.0) {
                    ctx.error(
                        &format!("{p}.kb"),
                        format!("a message size must be greater than zero, found {kb}"),
                    );
                }
                names
                    .resolve(ctx, &format!("{p}.to"), to, Want::Emittable, "Send")
                    .map(|to| Step::Send { to, kb: *kb })
            }
            RawStep::Read(n) => names
                .resolve(ctx, &p, n, Want::Database, "Read")
                .map(Step::Read),
            RawStep::Write(n) => names
                .resolve(ctx, &p, n, Want::Database, "Write")
                .map(Step::Write),
            RawStep::Put(n) => names
                .resolve(ctx, &p, n, Want::Storage, "Put")
                .map(Step::Put),
            RawStep::Get(n) => names
                .resolve(ctx, &p, n, Want::Storage, "Get")
                .map(Step::Get),
        };
        match step {
            Some(step) => out.push(step),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn architecture(
    ctx: &mut Ctx,
    path: &str,
    a: &RawArchitecture,
    kinds: &[String],
) -> Option<Architecture> {
    let mut ids = BTreeMap::new();
    for (i, c) in a.components.iter().enumerate() {
        let name = c.name();
        if name.trim().is_empty() {
            ctx.error(
                &format!("{path}.components[{i}].name"),
                "a component needs a name",
            );
        } else if ids.insert(name, i).is_some() {
            ctx.error(
                &format!("{path}.components[{i}].name"),
                format!("component name {name:?} is used twice in this architecture"),
            );
        }
    }
    let names = Names {
        raw: &a.components,
        ids,
    };
    let entry = names.resolve(
        ctx,
        &format!("{path}.entry"),
        &a.entry,
        Want::Entry,
        "entry",
    );
    let concurrency_limit = a.concurrency_limit.unwrap_or(cal::ACCOUNT_CONCURRENCY);
    if concurrency_limit == 0 {
        ctx.error(&format!("{path}.concurrency_limit"), "must be at least 1");
    }
    let mut components = Vec::with_capacity(a.components.len());
    for (i, c) in a.components.iter().enumerate() {
        let at = format!("{path}.components[{i}]");
        let spec = component(ctx, &at, c, &names, kinds);
        let source = ctx.loc.text_of(ctx.text, &at).unwrap_or_default();
        components.push(spec.map(|spec| Component {
            name: c.name().to_string(),
            spec,
            source,
        }));
    }
    let mut positions = vec![None; a.components.len()];
    for (name, &(col, row)) in &a.layout {
        let field = super::locate::key_path(&format!("{path}.layout"), name);
        if !col.is_finite() || !row.is_finite() {
            ctx.error(&field, "a position needs finite (column, row) numbers");
            continue;
        }
        match names.ids.get(name.as_str()) {
            Some(&id) => positions[id] = Some((col, row)),
            None => {
                let hint = suggest(name, names.ids.keys().copied());
                ctx.error(
                    &field,
                    format!("no component named {name:?} in this architecture{hint}"),
                );
            }
        }
    }
    let components: Vec<Component> = components.into_iter().collect::<Option<_>>()?;
    let arch = Architecture {
        name: a.name.clone(),
        entry: entry?,
        concurrency_limit,
        components,
        positions,
    };
    check_topology(ctx, path, &arch, kinds);
    Some(arch)
}

fn keep_alive_policy(ctx: &mut Ctx, path: &str, raw: &RawKeepAlive) -> Option<KeepAlive> {
    let defaults = RawKeepAlivePolicy::Hybrid {
        range: None,
        bin: None,
        head: None,
        tail: None,
        margin: None,
        cv_threshold: None,
        min_samples: None,
    };
    let raw = match raw {
        // A bare `Hybrid` reaches the untagged enum as a string: the policy with its defaults.
        RawKeepAlive::Fixed(t) if t == "Hybrid" => &defaults,
        RawKeepAlive::Fixed(t) => return ctx.duration(path, t).map(KeepAlive::Fixed),
        RawKeepAlive::Policy(p) => p,
    };
    match raw {
        RawKeepAlivePolicy::ScaleToZero => Some(KeepAlive::ScaleToZero),
        RawKeepAlivePolicy::Hybrid {
            range,
            bin,
            head,
            tail,
            margin,
            cv_threshold,
            min_samples,
        } => {
            let mut time = |name: &str, value: &Option<String>, default: SimTime| match value {
                Some(v) => ctx.positive_duration(&format!("{path}.{name}"), v),
                None => Some(default),
            };
            let range = time("range", range, cal::HYBRID_RANGE);
            let bin = time("bin", bin, cal::HYBRID_BIN);
            let p = HybridParams {
                range: range?,
                bin: bin?,
                head: head.unwrap_or(0.05),
                tail: tail.unwrap_or(0.99),
                margin: margin.unwrap_or(0.1),
                cv_threshold: cv_threshold.unwrap_or(2.0),
                min_samples: min_samples.unwrap_or(5),
            };
            let mut ok = true;
            if p.bin > p.range {
                ctx.error(
                    &format!("{path}.bin"),
                    "the bin must not be wider than the range",
                );
                ok = false;
            }
            if !(0.0..1.0).contains(&p.head) || !(0.0..=1.0).contains(&p.tail) || p.head > p.tail {
                ctx.error(path, "percentiles need 0 ≤ head ≤ tail ≤ 1");
                ok = false;
            }
            if !(0.0..1.0).contains(&p.margin) {
                ctx.error(&format!("{path}.margin"), "the margin must be in [0, 1)");
                ok = false;
            }
            ok.then_some(KeepAlive::Hybrid(p))
        }
    }
}

fn call_policies(
    ctx: &mut Ctx,
    path: &str,
    raw: &BTreeMap<String, RawCallPolicy>,
    names: &Names,
) -> Option<Vec<(CompId, CallPolicy)>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (target, p) in raw {
        let path = format!("{path}.calls.{target}");
        let field = |f: &str| format!("{path}.{f}");
        let id = names.resolve(ctx, &path, target, Want::Callee, "calls");
        let timeout = p
            .timeout
            .as_ref()
            .map(|t| ctx.positive_duration(&field("timeout"), t));
        let backoff = match &p.backoff {
            Some(b) => ctx.duration(&field("backoff"), b),
            None => Some(cal::CALL_BACKOFF),
        };
        let max_backoff = match &p.max_backoff {
            Some(b) => ctx.duration(&field("max_backoff"), b),
            None => Some(cal::CALL_BACKOFF_MAX),
        };
        let breaker = p.breaker.as_ref().map(|b| {
            if b.failures == 0 {
                ctx.error(
                    &format!("{}.failures", field("breaker")),
                    "must be at least 1",
                );
            }
            let cooldown =
                ctx.positive_duration(&format!("{}.cooldown", field("breaker")), &b.cooldown);
            cooldown.map(|cooldown| BreakerPolicy {
                failures: b.failures.max(1),
                cooldown,
            })
        });
        if let (Some(b), Some(m)) = (backoff, max_backoff)
            && m < b
        {
            ctx.error(
                &field("max_backoff"),
                "max_backoff must not be shorter than backoff",
            );
        }
        match (
            id,
            optional(timeout),
            backoff,
            max_backoff,
            optional(breaker),
        ) {
            (Some(id), Some(timeout), Some(backoff), Some(max_backoff), Some(breaker)) => {
                out.push((
                    id,
                    CallPolicy {
                        timeout,
                        retries: p.retries.unwrap_or(0),
                        backoff,
                        max_backoff: max_backoff.max(backoff),
                        jitter: p.jitter.unwrap_or(true),
                        breaker,
                    },
                ))
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn redrive_policy(ctx: &mut Ctx, path: &str, raw: &RawRedrive, names: &Names) -> Option<Redrive> {
    match raw {
        RawRedrive::At { to, at } => {
            let to = names.resolve(ctx, &format!("{path}.to"), to, Want::Queue, "redrive");
            let at = ctx.duration(&format!("{path}.at"), at);
            Some(Redrive::At { to: to?, at: at? })
        }
        RawRedrive::AfterFaults { to, delay } => {
            let to = names.resolve(ctx, &format!("{path}.to"), to, Want::Queue, "redrive");
            let delay = match delay {
                Some(d) => ctx.duration(&format!("{path}.delay"), d),
                None => Some(0),
            };
            Some(Redrive::AfterFaults {
                to: to?,
                delay: delay?,
            })
        }
    }
}

/// A queue's or topic's message size limit [KB].
fn message_limit(ctx: &mut Ctx, path: &str, value: Option<f64>) -> f64 {
    let v = value.unwrap_or(cal::MAX_MESSAGE_KB);
    if !(v.is_finite() && v > 0.0) {
        ctx.error(
            path,
            format!("a size limit must be greater than zero, found {v}"),
        );
    }
    v
}

fn autoscaling_group(
    ctx: &mut Ctx,
    path: &str,
    a: &RawAutoscaling,
    instances: u32,
) -> Option<Autoscaling> {
    let mut time = |name: &str, value: &Option<String>, default: SimTime| match value {
        Some(v) => ctx.positive_duration(&format!("{path}.{name}"), v),
        None => Some(default),
    };
    let boot = time("boot", &a.boot, cal::AUTOSCALE_BOOT);
    let cooldown = time("cooldown", &a.cooldown, cal::AUTOSCALE_COOLDOWN);
    let period = time("period", &a.period, cal::AUTOSCALE_PERIOD);
    let target = a.target.unwrap_or(cal::AUTOSCALE_TARGET);
    let mut ok = true;
    if a.min == 0 || a.min > a.max {
        ctx.error(
            path,
            format!("need 1 ≤ min ≤ max, found min {} and max {}", a.min, a.max),
        );
        ok = false;
    } else if !(a.min..=a.max).contains(&instances) {
        ctx.error(
            path,
            format!("the initial instances ({instances}) must be within min and max"),
        );
        ok = false;
    }
    if !(target > 0.0 && target <= 1.0) {
        ctx.error(
            &format!("{path}.target"),
            format!("must be in (0, 1], found {target}"),
        );
        ok = false;
    }
    let group = Autoscaling {
        min: a.min,
        max: a.max,
        target,
        boot: boot?,
        cooldown: cooldown?,
        period: period?,
    };
    ok.then_some(group)
}

/// Compiles a list of workflow states into a flow (a work list) stored at a new slot of
/// `flows`; branches become flows of their own. Returns the slot.
fn compile_flow(
    ctx: &mut Ctx,
    path: &str,
    states: &[RawState],
    names: &Names,
    latency: &Dist,
    flows: &mut Vec<Work>,
) -> Option<u32> {
    let slot = flows.len();
    flows.push(Vec::new());
    let mut work = Vec::new();
    let mut ok = true;
    for (i, state) in states.iter().enumerate() {
        let p = format!("{path}[{i}]");
        work.push(Step::Transition(latency.clone()));
        let step = match state {
            RawState::Task {
                invoke,
                retries,
                backoff,
                catch,
            } => {
                let target =
                    names.resolve(ctx, &format!("{p}.invoke"), invoke, Want::Callable, "Task");
                let backoff = match backoff {
                    Some(b) => ctx.duration(&format!("{p}.backoff"), b),
                    None => Some(cal::TASK_BACKOFF),
                };
                let catch = catch.as_ref().map(|states| {
                    compile_flow(ctx, &format!("{p}.catch"), states, names, latency, flows)
                });
                let policy = CallPolicy {
                    timeout: None,
                    retries: retries.unwrap_or(0),
                    backoff: backoff.unwrap_or(0),
                    max_backoff: SimTime::MAX,
                    jitter: false,
                    breaker: None,
                };
                match (target, backoff, optional(catch)) {
                    (Some(target), Some(_), Some(catch)) => Some(Step::Task {
                        target,
                        policy: Box::new(policy),
                        catch,
                    }),
                    _ => None,
                }
            }
            RawState::Wait(d) => ctx.dist(&p, d).map(Step::Compute),
            RawState::Choice {
                probability,
                then,
                otherwise,
            } => {
                if !(0.0..=1.0).contains(probability) {
                    ctx.error(
                        &format!("{p}.probability"),
                        format!("must be in [0, 1], found {probability}"),
                    );
                }
                let then = compile_flow(ctx, &format!("{p}.then"), then, names, latency, flows);
                let otherwise = compile_flow(
                    ctx,
                    &format!("{p}.otherwise"),
                    otherwise,
                    names,
                    latency,
                    flows,
                );
                match (then, otherwise) {
                    (Some(then), Some(otherwise)) => Some(Step::Choice {
                        p: *probability,
                        then,
                        otherwise,
                    }),
                    _ => None,
                }
            }
            RawState::Parallel(branches) => {
                if branches.is_empty() {
                    ctx.error(&p, "a parallel state needs at least one branch");
                }
                let slots: Vec<Option<u32>> = branches
                    .iter()
                    .enumerate()
                    .map(|(b, states)| {
                        compile_flow(ctx, &format!("{p}[{b}]"), states, names, latency, flows)
                    })
                    .collect();
                slots
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Step::Parallel)
            }
        };
        match step {
            Some(step) => work.push(step),
            None => ok = false,
        }
    }
    flows[slot] = work;
    ok.then_some(slot as u32)
}

fn component(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
    kinds: &[String],
) -> Option<Spec> {
    let field = |f: &str| format!("{path}.{f}");
    Some(match c {
        RawComponent::Server {
            instances,
            workers,
            backlog,
            usd_per_hour,
            handlers,
            restart,
            balancer,
            autoscaling,
            pool,
            cores,
            calls,
            ..
        } => {
            let restart = match restart {
                Some(r) => ctx.duration(&field("restart"), r),
                None => Some(cal::SERVER_RESTART),
            };
            let calls = call_policies(ctx, path, calls, names);
            let instances = count(ctx, &field("instances"), *instances, 1);
            let workers = count(ctx, &field("workers"), *workers, 1);
            let usd_per_hour = usd_per_hour.unwrap_or(cal::SERVER_USD_PER_HOUR);
            price(ctx, &field("usd_per_hour"), usd_per_hour, false);
            let mut table = vec![None; kinds.len()];
            let mut ok = true;
            for (kind, steps) in handlers {
                let p = format!("{path}.handlers.{kind}");
                let id = kind_id(ctx, &p, kind, kinds);
                match (id, work(ctx, &p, steps, names)) {
                    (Some(id), Some(w)) => table[id] = Some(w),
                    _ => ok = false,
                }
            }
            // Out-of-range counts are already reported; the topology checks still run.
            if !ok {
                return None;
            }
            Spec::Server(Server {
                instances,
                workers,
                backlog: *backlog,
                usd_per_hour,
                handlers: table,
                restart: restart?,
                balancer: match balancer {
                    Some(RawBalancer::RoundRobin) => Balancer::RoundRobin,
                    _ => Balancer::LeastOutstanding,
                },
                autoscaling: optional(
                    autoscaling
                        .as_ref()
                        .map(|a| autoscaling_group(ctx, &field("autoscaling"), a, instances)),
                )?,
                pool: pool.unwrap_or(workers),
                cores: match cores {
                    Some(0) => {
                        ctx.error(&field("cores"), "must be at least 1");
                        None
                    }
                    c => *c,
                },
                calls: calls?,
            })
        }
        RawComponent::Function {
            memory_mb,
            work: steps,
            cold_start,
            keep_alive,
            concurrency,
            arch,
            calls,
            provisioned,
            provisioned_schedule,
            timeout,
            scaling,
            on_failure,
            instance_concurrency,
            ..
        } => {
            let calls = call_policies(ctx, path, calls, names);
            let on_failure = on_failure.as_ref().map(|n| {
                names.resolve(ctx, &field("on_failure"), n, Want::Emittable, "on_failure")
            });
            let timeout = match timeout {
                Some(t) => ctx.positive_duration(&field("timeout"), t),
                None => Some(cal::FUNCTION_TIMEOUT),
            };
            let scale = match scaling {
                Some(s) => {
                    if s.instances == 0 {
                        ctx.error(&field("scaling.instances"), "must be at least 1");
                    }
                    ctx.positive_duration(&field("scaling.every"), &s.every)
                        .map(|every| Some((s.instances.max(1), every)))
                }
                None => Some(None),
            };
            let scale = scale?;
            let mut schedule: Vec<(SimTime, u32)> = Vec::new();
            if let Some(points) = provisioned_schedule {
                if provisioned.is_some() {
                    ctx.error(
                        &field("provisioned_schedule"),
                        "give either provisioned or provisioned_schedule",
                    );
                }
                for (i, (time, n)) in points.iter().enumerate() {
                    let p = format!("{}[{i}]", field("provisioned_schedule"));
                    let Some(t) = ctx.duration(&format!("{p}[0]"), time) else {
                        continue;
                    };
                    match schedule.last() {
                        None if t != 0 => {
                            ctx.error(&format!("{p}[0]"), "the first point must be at \"0s\"")
                        }
                        Some(&(prev, _)) if t <= prev => {
                            ctx.error(&format!("{p}[0]"), "times must increase")
                        }
                        _ => schedule.push((t, *n)),
                    }
                }
                if schedule.is_empty() {
                    ctx.error(
                        &field("provisioned_schedule"),
                        "a schedule needs at least one point",
                    );
                }
            }
            if let (Some(p), Some(c)) = (provisioned, concurrency)
                && p > c
            {
                ctx.error(
                    &field("provisioned"),
                    format!("provisioned ({p}) cannot exceed the function's concurrency ({c})"),
                );
            }
            let memory_mb = memory_mb.unwrap_or(cal::FUNCTION_MEMORY_MB);
            if !(cal::FUNCTION_MEMORY_MB..=cal::FUNCTION_MEMORY_MAX_MB).contains(&memory_mb) {
                ctx.error(
                    &field("memory_mb"),
                    format!(
                        "memory must be between {} and {} MB, found {memory_mb}",
                        cal::FUNCTION_MEMORY_MB,
                        cal::FUNCTION_MEMORY_MAX_MB
                    ),
                );
            }
            let w = work(ctx, &field("work"), steps, names);
            let cold_start = match cold_start {
                Some(d) => ctx.dist(&field("cold_start"), d),
                None => Dist::lognormal_median_p99(
                    cal::COLD_START_MEDIAN as f64,
                    cal::COLD_START_P99 as f64,
                )
                .ok(),
            };
            let keep_alive = match keep_alive {
                Some(k) => keep_alive_policy(ctx, &field("keep_alive"), k),
                None => Some(KeepAlive::Fixed(cal::KEEP_ALIVE)),
            };
            if *concurrency == Some(0) {
                ctx.error(&field("concurrency"), "must be at least 1");
            }
            let cpu = match arch {
                Some(RawCpu::Arm) => Cpu::Arm,
                _ => Cpu::X86,
            };
            Spec::Function(Function {
                memory_mb,
                work: w?,
                cold_start: cold_start?,
                keep_alive: keep_alive?,
                concurrency: *concurrency,
                provisioned: schedule
                    .first()
                    .map_or(provisioned.unwrap_or(0), |&(_, n)| n),
                provisioned_changes: schedule.get(1..).unwrap_or_default().to_vec(),
                on_failure: optional(on_failure)?,
                instance_concurrency: count(
                    ctx,
                    &field("instance_concurrency"),
                    *instance_concurrency,
                    1,
                ),
                timeout: timeout?,
                scale_instances: scale.map_or(cal::SCALE_INSTANCES, |s| s.0),
                scale_every: scale.map_or(cal::SCALE_EVERY, |s| s.1),
                cpu,
                calls: calls?,
            })
        }
        RawComponent::Gateway {
            routes, latency, ..
        } => {
            let mut table = vec![None; kinds.len()];
            let mut ok = true;
            for (kind, target) in routes {
                let p = format!("{path}.routes.{kind}");
                let id = kind_id(ctx, &p, kind, kinds);
                let t = names.resolve(ctx, &p, target, Want::Entry, "route");
                match (id, t) {
                    (Some(id), Some(t)) => table[id] = Some(t),
                    _ => ok = false,
                }
            }
            let latency = match latency {
                Some(d) => ctx.dist(&field("latency"), d),
                None => Some(Dist::Constant(0)),
            };
            if !ok {
                return None;
            }
            Spec::Gateway(Gateway {
                routes: table,
                latency: latency?,
            })
        }
        RawComponent::Queue {
            name,
            consumer,
            batch,
            visibility_timeout,
            max_receives,
            dead_letter,
            redrive,
            max_message_kb,
            max_concurrency,
        } => {
            let redrive = redrive
                .as_ref()
                .map(|r| redrive_policy(ctx, &field("redrive"), r, names));
            // Every field is checked before giving up, so all their errors are reported.
            let consumer = consumer
                .as_ref()
                .map(|n| names.resolve(ctx, &field("consumer"), n, Want::Function, "consumer"));
            let batch = count(ctx, &field("batch"), *batch, cal::QUEUE_BATCH);
            if batch > cal::QUEUE_BATCH_MAX {
                ctx.error(
                    &field("batch"),
                    format!(
                        "a batch holds at most {} messages, found {batch}",
                        cal::QUEUE_BATCH_MAX
                    ),
                );
            }
            let visibility_timeout = match visibility_timeout {
                Some(v) => ctx.positive_duration(&field("visibility_timeout"), v),
                None => Some(cal::VISIBILITY_TIMEOUT),
            };
            if *max_receives == Some(0) {
                ctx.error(&field("max_receives"), "must be at least 1");
            }
            let dead_letter = match dead_letter {
                Some(n) if n == name => {
                    ctx.error(
                        &field("dead_letter"),
                        "a queue cannot be its own dead-letter queue",
                    );
                    Some(None)
                }
                Some(n) => {
                    Some(names.resolve(ctx, &field("dead_letter"), n, Want::Queue, "dead_letter"))
                }
                None => None,
            };
            if dead_letter.is_some() && max_receives.is_none() {
                ctx.error(
                    &field("dead_letter"),
                    "a dead-letter queue needs max_receives to say when to use it",
                );
            }
            let consumer = optional(consumer)?;
            let dead_letter = optional(dead_letter)?;
            Spec::Queue(Queue {
                consumer,
                batch,
                visibility_timeout: visibility_timeout?,
                max_receives: *max_receives,
                dead_letter,
                redrive: optional(redrive)?,
                max_message_kb: message_limit(ctx, &field("max_message_kb"), *max_message_kb),
                max_concurrency: count(
                    ctx,
                    &field("max_concurrency"),
                    *max_concurrency,
                    cal::POLLERS_MAX,
                ),
            })
        }
        RawComponent::Topic {
            subscribers,
            max_message_kb,
            ..
        } => {
            let max_message_kb = message_limit(ctx, &field("max_message_kb"), *max_message_kb);
            if subscribers.is_empty() {
                ctx.warn(
                    &field("subscribers"),
                    "a topic without subscribers drops every event",
                );
            }
            let mut subs = Vec::new();
            for (i, s) in subscribers.iter().enumerate() {
                subs.push(names.resolve(
                    ctx,
                    &format!("{path}.subscribers[{i}]"),
                    s,
                    Want::Subscriber,
                    "subscriber",
                ));
            }
            Spec::Topic(Topic {
                subscribers: subs.into_iter().collect::<Option<_>>()?,
                max_message_kb,
            })
        }
        RawComponent::Storage {
            latency, on_put, ..
        } => {
            let latency = match latency {
                Some(d) => ctx.dist(&field("latency"), d),
                None => Some(Dist::Constant(0)),
            };
            let on_put = match on_put {
                Some(RawTrigger::Publish(n)) => {
                    let p = field("on_put");
                    match names.resolve(ctx, &p, n, Want::Emittable, "Publish")? {
                        id if matches!(names.raw[id], RawComponent::Topic { .. }) => Some(id),
                        _ => {
                            ctx.error(&p, format!("Publish needs a topic; {n:?} is not one"));
                            return None;
                        }
                    }
                }
                Some(RawTrigger::Enqueue(n)) => {
                    Some(names.resolve(ctx, &field("on_put"), n, Want::Queue, "Enqueue")?)
                }
                Some(RawTrigger::Invoke(n)) => {
                    Some(names.resolve(ctx, &field("on_put"), n, Want::Function, "Invoke")?)
                }
                None => None,
            };
            Spec::Storage(Storage {
                latency: latency?,
                on_put,
            })
        }
        RawComponent::Database {
            latency,
            capacity,
            usd_per_hour,
            max_connections,
            ..
        } => {
            if *max_connections == Some(0) {
                ctx.error(&field("max_connections"), "must be at least 1");
            }
            if let Some(p) = *usd_per_hour {
                price(ctx, &field("usd_per_hour"), p, false);
            }
            if usd_per_hour.is_some() && matches!(capacity, None | Some(RawCapacity::Serverless)) {
                ctx.error(
                    &field("usd_per_hour"),
                    "an hourly price applies to provisioned capacity (Concurrency or PerSecond); a Serverless database is billed per request",
                );
            }
            let latency = ctx.dist(&field("latency"), latency);
            let capacity = match capacity {
                None | Some(RawCapacity::Serverless) => Capacity::Serverless,
                Some(RawCapacity::Concurrency(n)) => {
                    if *n == 0 {
                        ctx.error(&field("capacity"), "concurrency must be at least 1");
                    }
                    Capacity::Concurrency(*n)
                }
                Some(RawCapacity::PerSecond(r)) => {
                    Capacity::PerSecond(ctx.rate(&field("capacity"), *r)?)
                }
            };
            Spec::Database(Database {
                latency: latency?,
                capacity,
                usd_per_hour: *usd_per_hour,
                max_connections: *max_connections,
            })
        }
        RawComponent::Orchestrator {
            workflow,
            transition_latency,
            ..
        } => {
            let latency = match transition_latency {
                Some(d) => ctx.dist(&field("transition_latency"), d),
                None => Some(Dist::Constant(cal::TRANSITION_LATENCY)),
            }?;
            let mut flows = Vec::new();
            compile_flow(
                ctx,
                &field("workflow"),
                workflow,
                names,
                &latency,
                &mut flows,
            )?;
            Spec::Orchestrator(Orchestrator { flows })
        }
        RawComponent::External {
            latency,
            error_rate,
            rate_limit,
            usd_per_call,
            ..
        } => {
            let latency = ctx.dist(&field("latency"), latency);
            let error_rate = error_rate.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&error_rate) {
                ctx.error(
                    &field("error_rate"),
                    format!("must be in [0, 1], found {error_rate}"),
                );
            }
            let rate_limit = rate_limit.map(|r| ctx.rate(&field("rate_limit"), r));
            let usd_per_call = usd_per_call.unwrap_or(0.0);
            price(ctx, &field("usd_per_call"), usd_per_call, false);
            Spec::External(External {
                latency: latency?,
                error_rate,
                rate_limit: optional(rate_limit)?,
                usd_per_call,
            })
        }
    })
}

/// Targets of a list of steps, split into synchronous (waited for) and asynchronous.
fn step_targets(w: &Work) -> impl Iterator<Item = (CompId, bool)> + '_ {
    w.iter().filter_map(|s| match *s {
        Step::Compute(_) | Step::Cpu(_) | Step::Transition(_) => None,
        Step::Choice { .. } | Step::Parallel(_) => None,
        Step::Task { target, .. } => Some((target, true)),
        Step::Call(t) | Step::Read(t) | Step::Write(t) | Step::Get(t) => Some((t, true)),
        Step::Put(t) => Some((t, true)),
        Step::Emit(t) | Step::Send { to: t, .. } => Some((t, false)),
    })
}

/// Components a component sends work to when serving kind `kind`: `(target, synchronous)`.
pub(crate) fn successors(
    arch: &Architecture,
    id: CompId,
    kind: Option<KindId>,
) -> Vec<(CompId, bool)> {
    let mut out = Vec::new();
    match &arch.components[id].spec {
        Spec::Server(s) => {
            for (k, h) in s.handlers.iter().enumerate() {
                if let Some(w) = h
                    && kind.is_none_or(|want| want == k)
                {
                    out.extend(step_targets(w));
                }
            }
        }
        Spec::Function(f) => {
            out.extend(step_targets(&f.work));
            out.extend(f.on_failure.map(|t| (t, false)));
        }
        Spec::Gateway(g) => {
            for (k, r) in g.routes.iter().enumerate() {
                if let Some(t) = r
                    && kind.is_none_or(|want| want == k)
                {
                    out.push((*t, true));
                }
            }
        }
        Spec::Queue(q) => {
            out.extend(q.consumer.map(|c| (c, false)));
            out.extend(q.dead_letter.map(|d| (d, false)));
        }
        Spec::Topic(t) => out.extend(t.subscribers.iter().map(|&s| (s, false))),
        Spec::Storage(s) => out.extend(s.on_put.map(|t| (t, false))),
        Spec::Orchestrator(o) => {
            for flow in &o.flows {
                out.extend(step_targets(flow));
            }
        }
        Spec::Database(_) | Spec::External(_) => {}
    }
    out
}

/// Whole-architecture checks: every kind handled, no cycles of synchronous calls (and
/// warnings for asynchronous ones),
/// functions with no trigger, components nothing reaches.
fn check_topology(ctx: &mut Ctx, path: &str, arch: &Architecture, kinds: &[String]) {
    let comp_path = |id: CompId| format!("{path}.components[{id}]");
    // Reachability per kind, and handler coverage for servers and gateways.
    let mut reached = vec![false; arch.components.len()];
    for (k, kind) in kinds.iter().enumerate() {
        let mut stack = vec![arch.entry];
        let mut seen = vec![false; arch.components.len()];
        while let Some(id) = stack.pop() {
            if std::mem::replace(&mut seen[id], true) {
                continue;
            }
            reached[id] = true;
            match &arch.components[id].spec {
                Spec::Server(s) if s.handlers[k].is_none() => ctx.error(
                    &format!("{}.handlers", comp_path(id)),
                    format!(
                        "server {:?} has no handler for transaction kind {kind:?}",
                        arch.components[id].name
                    ),
                ),
                Spec::Gateway(g) if g.routes[k].is_none() => ctx.error(
                    &format!("{}.routes", comp_path(id)),
                    format!(
                        "gateway {:?} has no route for transaction kind {kind:?}",
                        arch.components[id].name
                    ),
                ),
                _ => {}
            }
            stack.extend(successors(arch, id, Some(k)).into_iter().map(|(t, _)| t));
        }
    }
    // Cycles, per transaction kind (see `cycles`).
    cycles::check_synchronous(ctx, path, arch, kinds.len());
    cycles::check_asynchronous(ctx, path, arch, kinds);
    let mut referenced = vec![false; arch.components.len()];
    referenced[arch.entry] = true;
    for id in 0..arch.components.len() {
        for (t, _) in successors(arch, id, None) {
            referenced[t] = true;
        }
    }
    let dead_letter_queues: Vec<CompId> = arch
        .components
        .iter()
        .filter_map(|c| match &c.spec {
            Spec::Queue(q) => q.dead_letter,
            Spec::Function(f) => f.on_failure,
            _ => None,
        })
        .collect();
    for (id, c) in arch.components.iter().enumerate() {
        if let Spec::Queue(q) = &c.spec
            && let Some(Redrive::At { to, .. } | Redrive::AfterFaults { to, .. }) = q.redrive
        {
            if !dead_letter_queues.contains(&id) {
                ctx.error(
                    &format!("{}.redrive", comp_path(id)),
                    format!(
                        "queue {:?} is no queue's dead_letter: it has nothing to redrive",
                        c.name
                    ),
                );
            } else if to == id {
                ctx.error(
                    &format!("{}.redrive.to", comp_path(id)),
                    "a queue cannot redrive to itself",
                );
            }
        }
        if let Spec::Queue(q) = &c.spec
            && q.consumer.is_none()
            && !dead_letter_queues.contains(&id)
        {
            ctx.warn(
                &comp_path(id),
                format!(
                    "queue {:?} has no consumer: messages sent to it are parked, never processed",
                    c.name
                ),
            );
        }
        if matches!(c.spec, Spec::Function(_)) && !referenced[id] {
            ctx.error(
                &comp_path(id),
                format!(
                    "function {:?} has no trigger: nothing calls, routes to, emits to or subscribes it",
                    c.name
                ),
            );
        } else if !reached[id] {
            ctx.warn(
                &comp_path(id),
                format!(
                    "no transaction ever reaches {} {:?}",
                    c.spec.kind_name(),
                    c.name
                ),
            );
        }
    }
}
