//! Fair rostering: who is on duty at each session. Each session takes the deputies with the
//! fewest duties so far (then the longest since their last one), skipping those who cannot come;
//! with nobody excluded, every deputy's number of duties ends within one of every other's.

use std::collections::HashMap;
use std::hash::Hash;

/// The duties a session needs filled, in the order they are held.
#[derive(Debug, Clone)]
pub struct Slot<S> {
    pub session: S,
    /// How many deputies to put on duty.
    pub wanted: usize,
}

/// The assignment of one slot; `short` is how many it still lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment<S, D> {
    pub session: S,
    pub deputies: Vec<D>,
    pub short: usize,
}

/// Fills `slots` in order from `deputies` (in a stable order: the tie-break of last resort).
/// `counts` holds duties the deputies already have in the period; `available(slot, deputy)` says
/// whether a deputy can take a slot (stationed there that day, not busy elsewhere), and
/// `clash(a, b)` whether two slots overlap, so that nobody gets two overlapping slots of this
/// plan. Assigned duties count at once, so later slots see them.
pub fn plan<S: Clone, D: Clone + Eq + Hash>(
    slots: &[Slot<S>],
    deputies: &[D],
    counts: &HashMap<D, usize>,
    mut available: impl FnMut(&S, &D) -> bool,
    clash: impl Fn(&S, &S) -> bool,
) -> Vec<Assignment<S, D>> {
    let mut count: HashMap<D, usize> = deputies
        .iter()
        .map(|d| (d.clone(), counts.get(d).copied().unwrap_or(0)))
        .collect();
    // The index of the slot of each deputy's latest duty here; never = before all.
    let mut last: HashMap<D, usize> = HashMap::new();
    let mut taken: HashMap<D, Vec<usize>> = HashMap::new();
    let mut out = Vec::with_capacity(slots.len());
    for (index, slot) in slots.iter().enumerate() {
        let mut candidates: Vec<(usize, usize, usize, &D)> = deputies
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                let busy = taken.get(*d).is_some_and(|mine| {
                    mine.iter()
                        .any(|i| clash(&slots[*i].session, &slot.session))
                });
                !busy && available(&slot.session, d)
            })
            .map(|(order, d)| {
                let n = count.get(d).copied().unwrap_or(0);
                let since = last.get(d).map_or(0, |l| l + 1);
                (n, since, order, d)
            })
            .collect();
        candidates.sort_unstable_by_key(|(n, since, order, _)| (*n, *since, *order));
        let chosen: Vec<D> = candidates
            .into_iter()
            .take(slot.wanted)
            .map(|(_, _, _, d)| d.clone())
            .collect();
        for d in &chosen {
            *count.entry(d.clone()).or_default() += 1;
            last.insert(d.clone(), index);
            taken.entry(d.clone()).or_default().push(index);
        }
        out.push(Assignment {
            session: slot.session.clone(),
            short: slot.wanted - chosen.len(),
            deputies: chosen,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn slots(n: usize, wanted: usize) -> Vec<Slot<usize>> {
        (0..n).map(|session| Slot { session, wanted }).collect()
    }

    #[test]
    fn rotates_through_everyone() {
        let plan = plan(
            &slots(3, 2),
            &["a", "b", "c"],
            &HashMap::new(),
            |_, _| true,
            |_, _| false,
        );
        let names: Vec<_> = plan.iter().map(|a| a.deputies.clone()).collect();
        assert_eq!(names, vec![vec!["a", "b"], vec!["c", "a"], vec!["b", "c"]]);
    }

    #[test]
    fn nobody_gets_two_overlapping_slots() {
        // Slots 0 and 1 overlap: with two deputies wanting one each, they must differ even
        // though rotation alone would allow either.
        let plan = plan(
            &slots(2, 2),
            &["a", "b", "c"],
            &HashMap::new(),
            |_, _| true,
            |x, y| x != y,
        );
        let first: std::collections::HashSet<_> = plan[0].deputies.iter().collect();
        assert!(plan[1].deputies.iter().all(|d| !first.contains(d)) || plan[1].short > 0);
        assert_eq!(plan[1].deputies, vec!["c"]);
        assert_eq!(plan[1].short, 1);
    }

    #[test]
    fn the_unavailable_are_passed_over_and_shortfalls_reported() {
        let plan = plan(
            &slots(1, 3),
            &["a", "b", "c"],
            &HashMap::new(),
            |_, d| *d != "b",
            |_, _| false,
        );
        assert_eq!(plan[0].deputies, vec!["a", "c"]);
        assert_eq!(plan[0].short, 1);
    }

    proptest! {
        /// With everyone available, each slot gets as many distinct deputies as it wants and the
        /// duties over the period differ by at most one.
        #[test]
        fn everyone_available_means_fair(
            deputies in 1usize..9,
            sessions in 0usize..60,
            wanted in 1usize..4,
        ) {
            let wanted = wanted.min(deputies);
            let people: Vec<usize> = (0..deputies).collect();
            let plan = plan(&slots(sessions, wanted), &people, &HashMap::new(), |_, _| true, |_, _| false);
            let mut count = vec![0usize; deputies];
            for a in &plan {
                prop_assert_eq!(a.deputies.len(), wanted);
                prop_assert_eq!(a.short, 0);
                let mut distinct = a.deputies.clone();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), wanted);
                for d in &a.deputies { count[*d] += 1; }
            }
            let (min, max) = (count.iter().min().copied().unwrap_or(0), count.iter().max().copied().unwrap_or(0));
            prop_assert!(max - min <= 1, "{:?}", count);
        }

        /// Whatever is unavailable: nobody unavailable is chosen, nobody twice in a slot, and a
        /// shortfall only when not enough were available.
        #[test]
        fn never_assigns_the_unavailable(
            deputies in 1usize..9,
            sessions in 0usize..30,
            wanted in 1usize..4,
            busy in proptest::collection::hash_set((0usize..30, 0usize..9), 0..60),
        ) {
            let people: Vec<usize> = (0..deputies).collect();
            let plan = plan(&slots(sessions, wanted), &people, &HashMap::new(), |s, d| !busy.contains(&(*s, *d)), |_, _| false);
            for a in &plan {
                let free = people.iter().filter(|d| !busy.contains(&(a.session, **d))).count();
                prop_assert_eq!(a.deputies.len(), wanted.min(free));
                prop_assert_eq!(a.short, wanted - wanted.min(free));
                for d in &a.deputies {
                    prop_assert!(!busy.contains(&(a.session, *d)));
                }
                let mut distinct = a.deputies.clone();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), a.deputies.len());
            }
        }
    }
}
