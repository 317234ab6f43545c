//! An architecture: its component names, entry, account concurrency limit, components (each
//! checked by the file of its kind) and layout hints.

use std::collections::{BTreeMap, BTreeSet};

use super::ctx::{Ctx, suggest};
use super::names::{Names, Ref, Want};
use super::{database, external, function, gateway, orchestrator, queue, server, storage, topic};
use crate::calibration as cal;
use crate::scenario::locate::key_path;
use crate::scenario::raw::{RawArchitecture, RawComponent};
use crate::scenario::{Architecture, Component, Spec};

/// Every architecture of the scenario; `None` if any is invalid.
pub(super) fn architectures(
    ctx: &mut Ctx,
    raw: &[RawArchitecture],
    kinds: &[String],
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
        architectures.push(architecture(ctx, &format!("architectures[{i}]"), a, kinds));
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
    let components: Vec<Component> = components.into_iter().collect::<Option<_>>()?;
    let arch = Architecture {
        name: a.name.clone(),
        entry: entry?,
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
) -> Option<Spec> {
    use RawComponent as C;
    match c {
        C::Server { .. } => server::server(ctx, path, c, names, kinds).map(Spec::Server),
        C::Function { .. } => function::function(ctx, path, c, names).map(Spec::Function),
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
