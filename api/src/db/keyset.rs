//! Keyset pages of lists ordered newest first by a time and then an id: the condition of a next
//! page and the whole query of one, so that every such list reads its pages the same way.

use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use uuid::Uuid;

/// The rows after `(at, id)` in a list ordered by `at_column` then `id_column`, both newest
/// first: the keyset condition of every such list's next page. The plain `at <= ?` is implied by
/// the rest; it is there so that the databases start the index scan at the cursor instead of
/// walking (and skipping) every row of the pages before it.
pub fn before_desc<T>(
    at_column: impl ColumnTrait,
    id_column: impl ColumnTrait,
    at: T,
    id: Uuid,
) -> Condition
where
    T: Into<sea_orm::Value> + Clone,
{
    Condition::all()
        .add(at_column.lte(at.clone()))
        .add(Condition::any().add(at_column.lt(at)).add(id_column.lt(id)))
}

/// One page of `select` newest first: the rows after the cursor `after` (if any), ordered by
/// `at_column` then `id_column` descending, at most `limit + 1` of them (the extra row tells the
/// caller there is a next page).
pub fn newest_first<E, T>(
    select: Select<E>,
    at_column: E::Column,
    id_column: E::Column,
    after: Option<(T, Uuid)>,
    limit: u64,
) -> Select<E>
where
    E: EntityTrait,
    T: Into<sea_orm::Value> + Clone,
{
    let select = match after {
        Some((at, id)) => select.filter(before_desc(at_column, id_column, at, id)),
        None => select,
    };
    select
        .order_by_desc(at_column)
        .order_by_desc(id_column)
        .limit(limit.saturating_add(1))
}
