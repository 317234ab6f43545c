//! An architecture: its component names, entry, platform (whose defaults its functions and
//! prices take), prices, account concurrency limit, components (each checked by the file of
//! its kind) and layout hints.

use std::collections::{BTreeMap, BTreeSet};

use super::ctx::{Ctx, suggest};
use super::names::{Names, Ref, Want};
use super::prices::{Overrides, overrides};
use super::{database, external, function, gateway, orchestrator, queue, server, storage, topic};
use crate::calibration::Platform;
use crate::scenario::locate::key_path;
use crate::scenario::raw::{RawArchitecture, RawComponent, RawPlatform, RawTrigger};
use crate::scenario::{Architecture, Component, Spec};

/// Every architecture of the scenario; `None` if any is invalid.
pub(super) fn architectures(
    ctx: &mut Ctx,
    raw: &[RawArchitecture],
    kinds: &[String],
    scenario_prices: &Overrides,
) -> Option<Vec<Architecture>> {
    if raw.is_empty() {
        ctx.error("architectures", "at least one architecture is needed");
    }
    let mut seen = BTreeSet::new();
    let mut architectures = Vec::new();
    for (i, a) in raw.iter().enumerate() {
        if !seen.insert(a.name.as_str()) {
            ctx.error(
                &format!("architectures[{i}].name"),
                format!("architecture name {:?} is used twice", a.name),
            );
        }
        let path = format!("architectures[{i}]");
        architectures.push(architecture(ctx, &path, a, kinds, scenario_prices));
    }
    architectures.into_iter().collect()
}

/// The architecture `a` at `path`: its names, entry, components and layout, then the
/// checks of its topology.
fn architecture(
    ctx: &mut Ctx,
    path: &str,
    a: &RawArchitecture,
    kinds: &[String],
    scenario_prices: &Overrides,
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
        Ref::Entry,
    );
    let platform = match a.platform {
        None | Some(RawPlatform::AwsLambda) => Platform::AwsLambda,
        Some(RawPlatform::AzureFunctions) => Platform::AzureFunctions,
        Some(RawPlatform::GoogleCloudRun) => Platform::GoogleCloudRun,
        Some(RawPlatform::Knative) => Platform::Knative,
    };
    // The platform's prices, then the scenario's overrides, then the architecture's own.
    let mut prices = platform.prices();
    scenario_prices.apply(&mut prices);
    if let Some(own) = &a.prices {
        overrides(own, ctx, &format!("{path}.prices")).apply(&mut prices);
    }
    let concurrency_limit = a
        .concurrency_limit
        .unwrap_or_else(|| platform.concurrency_limit());
    if concurrency_limit == 0 {
        ctx.error(&format!("{path}.concurrency_limit"), "must be at least 1");
    }
    let mut components = Vec::with_capacity(a.components.len());
    for (i, c) in a.components.iter().enumerate() {
        let at = format!("{path}.components[{i}]");
        let spec = component(ctx, &at, c, &names, kinds, platform);
        let source = ctx.loc.text_of(ctx.text, &at).unwrap_or_default();
        components.push(spec.map(|spec| Component {
            name: c.name().to_string(),
            spec,
            source,
        }));
    }
    let mut positions = vec![None; a.components.len()];
    for (name, &(col, row)) in &a.layout {
        let field = key_path(&format!("{path}.layout"), name);
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
    let mut components: Vec<Component> = components.into_iter().collect::<Option<_>>()?;
    non_http_scaling(platform, &a.components, &mut components);
    kpa_consumers(ctx, path, &a.components, &components, &names);
    let arch = Architecture {
        name: a.name.clone(),
        entry: entry?,
        platform,
        prices,
        concurrency_limit,
        components,
        positions,
    };
    arch.check_topology(ctx, path, kinds);
    Some(arch)
}

/// The component `c` at `path`, by the validator of its kind.
fn component(
    ctx: &mut Ctx,
    path: &str,
    c: &RawComponent,
    names: &Names,
    kinds: &[String],
    platform: Platform,
) -> Option<Spec> {
    use RawComponent as C;
    match c {
        C::Server { .. } => server::server(ctx, path, c, names, kinds).map(Spec::Server),
        C::Function { .. } => function::function(ctx, path, c, names, platform).map(Spec::Function),
        C::Gateway { .. } => gateway::gateway(ctx, path, c, names, kinds).map(Spec::Gateway),
        C::Queue { .. } => queue::queue(ctx, path, c, names).map(Spec::Queue),
        C::Topic { .. } => topic::topic(ctx, path, c, names).map(Spec::Topic),
        C::Storage { .. } => storage::storage(ctx, path, c, names).map(Spec::Storage),
        C::Database { .. } => database::database(ctx, path, c).map(Spec::Database),
        C::Orchestrator { .. } => {
            orchestrator::orchestrator(ctx, path, c, names).map(Spec::Orchestrator)
        }
        C::External { .. } => external::external(ctx, path, c).map(Spec::External),
    }
}

/// Functions triggered otherwise than over HTTP (queue consumers, topic subscribers, storage
/// triggers) scale at the platform's non-HTTP rate when they give no `scaling` of their own
/// (Azure Functions: a new instance at most every 30 s instead of every second).
fn non_http_scaling(platform: Platform, raw: &[RawComponent], components: &mut [Component]) {
    let every = platform.functions().scale_every_non_http;
    if every == platform.functions().scale_every {
        return;
    }
    let mut triggered: Vec<&str> = Vec::new();
    for c in raw {
        match c {
            RawComponent::Queue {
                consumer: Some(f), ..
            } => triggered.push(f),
            RawComponent::Topic { subscribers, .. } => {
                triggered.extend(subscribers.iter().map(String::as_str))
            }
            RawComponent::Storage {
                on_put: Some(RawTrigger::Invoke(f)),
                ..
            } => triggered.push(f),
            _ => {}
        }
    }
    for (c, r) in components.iter_mut().zip(raw) {
        if let (
            Spec::Function(f),
            RawComponent::Function {
                scaling: None,
                name,
                ..
            },
        ) = (&mut c.spec, r)
            && triggered.contains(&name.as_str())
            && f.kpa.is_none()
        {
            f.scale_every = every;
        }
    }
}

/// A queue's consumer takes a whole instance per batch, which the Knative Pod Autoscaler's
/// pods (shared by requests, sized by their concurrency) do not model: an error.
fn kpa_consumers(
    ctx: &mut Ctx,
    path: &str,
    raw: &[RawComponent],
    components: &[Component],
    names: &Names,
) {
    for (i, c) in raw.iter().enumerate() {
        if let RawComponent::Queue {
            consumer: Some(f), ..
        } = c
            && let Some(&id) = names.ids.get(f.as_str())
            && matches!(&components[id].spec, Spec::Function(g) if g.kpa.is_some())
        {
            ctx.error(
                &format!("{path}.components[{i}].consumer"),
                format!(
                    "function {f:?} is scaled by Kpa, whose pods serve requests, not queue batches; give it scaling: Scaling(...)"
                ),
            );
        }
    }
}
