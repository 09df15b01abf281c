//! The closed loop of a suggestion (意见交办 / 代表建议): who may move a case from which state to
//! which, and nothing else. Pure: the caller loads the case, works out the caller's roles relative
//! to it, asks [`apply`], and persists the [`Outcome`] (or answers the [`Refusal`]).
//!
//! A deputy suggestion starts as a `draft`, is `submitted`, passes (or is returned from) the
//! station's pre-review to `accepted`; a station case is created directly in `accepted`. Staff
//! then `assign` it to a lead unit, which acknowledges it (`in_progress`) or declines
//! jurisdiction (back to `accepted`), and finally `reply`s. The lead author (deputy suggestion) or
//! the voter whose submission became the case (station case) rates the reply: satisfied closes
//! the loop; dissatisfied sends it back to `in_progress` up to [`MAX_REOPENS`] times, after which
//! it closes anyway, flagged for the supervisor. Before assignment a case can be `withdrawn`; a
//! station case can be `escalated` into a deputy suggestion at a higher level.
//!
//! Every rule lives in one static table; [`apply`], [`allowed_actions`], [`table`] and
//! [`markdown_table`] all read it, so the documentation cannot drift from the behaviour.

use std::fmt::Write as _;

use sea_orm::ActiveEnum;
use serde::{Deserialize, Serialize};

/// The kinds, states and ratings are the columns' own types (`entity::suggestion`), so that a
/// case read from the database is already typed: there is one definition of each and no string
/// to parse (and no bad value to turn into a 500) between the row and these rules.
pub use entity::suggestion::{Kind, Rating, State};

/// Whether the loop has ended in `state`. An escalated case is finished at this level: its life
/// continues as a new deputy suggestion, which the caller creates.
pub fn is_terminal(state: State) -> bool {
    matches!(state, State::Closed | State::Withdrawn | State::Escalated)
}

/// The states in which a unit holds the case and owes the reply: only here can a case be
/// overdue, be reminded of its deadline, or take a co-unit's input.
pub const HANDLING: [State; 2] = [State::Assigned, State::InProgress];

/// The ratings that count as satisfied (满意 and 基本满意): they close the loop, and the figures
/// count them together.
pub const SATISFIED: [Rating; 2] = [Rating::Satisfied, Rating::BasicallySatisfied];

/// What a request asks to do to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Submit,
    PreReviewPass,
    PreReviewReturn,
    Assign,
    Acknowledge,
    DeclineJurisdiction,
    Reply,
    Rate,
    Withdraw,
    Escalate,
}

impl Action {
    pub const ALL: [Action; 10] = [
        Action::Submit,
        Action::PreReviewPass,
        Action::PreReviewReturn,
        Action::Assign,
        Action::Acknowledge,
        Action::DeclineJurisdiction,
        Action::Reply,
        Action::Rate,
        Action::Withdraw,
        Action::Escalate,
    ];

    /// The wire name (the same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::PreReviewPass => "pre_review_pass",
            Action::PreReviewReturn => "pre_review_return",
            Action::Assign => "assign",
            Action::Acknowledge => "acknowledge",
            Action::DeclineJurisdiction => "decline_jurisdiction",
            Action::Reply => "reply",
            Action::Rate => "rate",
            Action::Withdraw => "withdraw",
            Action::Escalate => "escalate",
        }
    }

    /// Whether the request must carry a non-empty comment: a return tells the authors what to fix,
    /// a decline tells staff why the unit is the wrong one. The text is not a fact the rules
    /// decide on, so the request validation checks it, not [`apply`].
    pub fn requires_comment(self) -> bool {
        matches!(self, Action::PreReviewReturn | Action::DeclineJurisdiction)
    }
}

/// Who the requester is relative to the case, as computed by the caller. A requester may hold
/// several (the first author is both `Author` and `LeadAuthor`; a staff member may also be a
/// unit handler); an action is allowed if any of them is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A deputy who authored the suggestion.
    Author,
    /// The first author: the one who speaks for all of them when rating the reply.
    LeadAuthor,
    /// Station staff, or an admin whose scope covers the case.
    Staff,
    /// A handler of the case's lead unit.
    LeadUnit,
    /// A handler of a co-handling unit. Co-units add input through a separate operation that does
    /// not move the case, so no transition names them.
    CoUnit,
    /// A voter whose submission was merged or converted into the case.
    SourceVoter,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Author,
        Role::LeadAuthor,
        Role::Staff,
        Role::LeadUnit,
        Role::CoUnit,
        Role::SourceVoter,
    ];

    /// The wire name (the same as serde's).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::LeadAuthor => "lead_author",
            Role::Staff => "staff",
            Role::LeadUnit => "lead_unit",
            Role::CoUnit => "co_unit",
            Role::SourceVoter => "source_voter",
        }
    }
}

/// How many times a dissatisfied rating may send a case back to the unit. After that the loop is
/// not allowed to spin forever: the next dissatisfied rating closes it and flags it, so a
/// supervisor looks at it instead.
pub const MAX_REOPENS: u32 = 2;

/// Where a dissatisfied rating sends a case that may still be reopened: back to the lead unit's
/// work, not to assignment, since the unit and its jurisdiction are already settled.
const REOPEN_TO: State = State::InProgress;

/// What the case looks like now, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub kind: Kind,
    pub state: State,
    /// Reopens so far (dissatisfied ratings that sent it back).
    pub reopens: u32,
}

/// The facts of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    pub action: Action,
    /// Every role the requester holds on this case; empty if none.
    pub roles: &'a [Role],
    /// Needed by `rate`; ignored by every other action.
    pub rating: Option<Rating>,
}

/// What to persist after an allowed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The new state.
    pub to: State,
    /// A dissatisfied rating sent the case back: add one to `reopens`.
    pub reopened: bool,
    /// A dissatisfied rating after [`MAX_REOPENS`] reopens closed the case: a supervisor should
    /// review it.
    pub flagged_for_supervisor: bool,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not allowed in this state (or for this kind): the caller answers 422 `invalid_transition`
    /// listing `allowed`.
    NotAllowedHere { allowed: Vec<Action> },
    /// Allowed here, but not for any of these roles: 403.
    NotYourRole { needed: Vec<Role> },
    /// `rate` without a rating.
    RatingRequired,
}

/// One row of the table: for a case of one of `kinds` in `from`, `action` by any of `roles` moves
/// it to `to`. For `rate`, `to` is where a satisfied rating goes; see [`apply`] for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub kinds: &'static [Kind],
    pub from: State,
    pub action: Action,
    pub to: State,
    pub roles: &'static [Role],
}

const BOTH: &[Kind] = &[Kind::StationCase, Kind::DeputySuggestion];
const STATION: &[Kind] = &[Kind::StationCase];
const DEPUTY: &[Kind] = &[Kind::DeputySuggestion];

const AUTHORS: &[Role] = &[Role::Author, Role::LeadAuthor];
const STAFF: &[Role] = &[Role::Staff];
const LEAD_UNIT: &[Role] = &[Role::LeadUnit];

/// Shorthand so each rule reads as one line.
const fn row(
    kinds: &'static [Kind],
    from: State,
    action: Action,
    to: State,
    roles: &'static [Role],
) -> Transition {
    Transition {
        kinds,
        from,
        action,
        to,
        roles,
    }
}

/// The rules. At most one row per (kind, from, action), which the tests check: where the kinds
/// differ in who may act (withdraw, rate), they get separate rows.
///
/// A station case is created in `accepted`, so it has no rows from `draft` or `submitted`: it can
/// never be there, and listing actions for it there would only document the impossible.
#[rustfmt::skip]
static TABLE: &[Transition] = &[
    // Authoring and pre-review: only deputy suggestions go through the station's pre-review.
    row(DEPUTY, State::Draft, Action::Submit, State::Submitted, AUTHORS),
    row(DEPUTY, State::Submitted, Action::PreReviewPass, State::Accepted, STAFF),
    row(DEPUTY, State::Submitted, Action::PreReviewReturn, State::Draft, STAFF),
    // Handling: the same for both kinds.
    row(BOTH, State::Accepted, Action::Assign, State::Assigned, STAFF),
    row(BOTH, State::Assigned, Action::Acknowledge, State::InProgress, LEAD_UNIT),
    row(BOTH, State::Assigned, Action::DeclineJurisdiction, State::Accepted, LEAD_UNIT),
    row(BOTH, State::InProgress, Action::Reply, State::Replied, LEAD_UNIT),
    // Rating: whoever the case came from judges the reply.
    row(DEPUTY, State::Replied, Action::Rate, State::Closed, &[Role::LeadAuthor]),
    row(STATION, State::Replied, Action::Rate, State::Closed, &[Role::SourceVoter]),
    // Withdrawal, only before a unit has been given the work. A deputy suggestion belongs to its
    // authors; a station case to the station, whose staff speak for the voters.
    row(DEPUTY, State::Draft, Action::Withdraw, State::Withdrawn, AUTHORS),
    row(DEPUTY, State::Submitted, Action::Withdraw, State::Withdrawn, AUTHORS),
    row(DEPUTY, State::Accepted, Action::Withdraw, State::Withdrawn, AUTHORS),
    row(STATION, State::Accepted, Action::Withdraw, State::Withdrawn, STAFF),
    // Escalation: a station case beyond the station's level becomes a deputy suggestion higher
    // up; a deputy suggestion is already at the congress, so there is nowhere to escalate it.
    row(STATION, State::Accepted, Action::Escalate, State::Escalated, STAFF),
    row(STATION, State::Assigned, Action::Escalate, State::Escalated, STAFF),
    row(STATION, State::InProgress, Action::Escalate, State::Escalated, STAFF),
    row(STATION, State::Replied, Action::Escalate, State::Escalated, STAFF),
];

/// The row for this kind, state and action, if any.
fn find(kind: Kind, from: State, action: Action) -> Option<&'static Transition> {
    TABLE
        .iter()
        .find(|t| t.from == from && t.action == action && t.kinds.contains(&kind))
}

/// Decide one request. Checks, in this order: that the action exists here for this kind
/// ([`Refusal::NotAllowedHere`]), that one of the roles may take it ([`Refusal::NotYourRole`]),
/// and that `rate` carries a rating ([`Refusal::RatingRequired`]). The order gives the most
/// useful answer first: an impossible action is impossible for everyone.
///
/// `rate` ends in one of three ways: a satisfied or basically satisfied rating closes the case;
/// a dissatisfied one reopens it (`in_progress`) while fewer than [`MAX_REOPENS`] reopens have
/// happened, and otherwise closes it flagged for the supervisor.
pub fn apply(case: &Case, attempt: &Attempt<'_>) -> Result<Outcome, Refusal> {
    let Some(row) = find(case.kind, case.state, attempt.action) else {
        return Err(Refusal::NotAllowedHere {
            allowed: allowed_actions(case.kind, case.state),
        });
    };
    if !attempt.roles.iter().any(|r| row.roles.contains(r)) {
        return Err(Refusal::NotYourRole {
            needed: row.roles.to_vec(),
        });
    }
    let plain = Outcome {
        to: row.to,
        reopened: false,
        flagged_for_supervisor: false,
    };
    if attempt.action != Action::Rate {
        return Ok(plain);
    }
    match attempt.rating {
        None => Err(Refusal::RatingRequired),
        Some(Rating::Satisfied | Rating::BasicallySatisfied) => Ok(plain),
        Some(Rating::Dissatisfied) if case.reopens < MAX_REOPENS => Ok(Outcome {
            to: REOPEN_TO,
            reopened: true,
            flagged_for_supervisor: false,
        }),
        // Any count at or above the limit lands here, not only exactly `MAX_REOPENS`: a count past
        // it (old data, a manual fix) must still end the loop rather than reopen it again.
        Some(Rating::Dissatisfied) => Ok(Outcome {
            flagged_for_supervisor: true,
            ..plain
        }),
    }
}

/// The actions allowed in this state for this kind (whatever the role), in declaration order.
pub fn allowed_actions(kind: Kind, state: State) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&a| find(kind, state, a).is_some())
        .collect()
}

/// The rows of the table, for documenting it in the OpenAPI description: (kind, from, action, to,
/// roles).
pub fn table() -> Vec<Transition> {
    TABLE.to_vec()
}

/// A Markdown table of [`table()`], for the spec description, followed by the notes the rows
/// cannot carry (the `rate` outcomes, where a station case starts).
pub fn markdown_table() -> String {
    fn names<T: Copy>(items: &[T], name: fn(T) -> String) -> String {
        items
            .iter()
            .map(|&i| format!("`{}`", name(i)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    let mut out = String::from("| kinds | from | action | to | roles |\n|---|---|---|---|---|\n");
    for t in table() {
        let to = if t.action == Action::Rate {
            format!("`{}` or `{}` (*)", t.to.to_value(), REOPEN_TO.to_value())
        } else {
            format!("`{}`", t.to.to_value())
        };
        // Writing to a String cannot fail; ignoring the Result keeps the function infallible.
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {} |",
            names(t.kinds, |k| k.to_value()),
            t.from.to_value(),
            t.action.as_str(),
            to,
            names(t.roles, |r| r.as_str().to_owned()),
        );
    }
    let _ = write!(
        out,
        "\n(*) `{rate}` with `{sat}` or `{basic}` closes the case. With `{dis}` it goes back to \
         `{reopen}` (a reopen) while it has been reopened fewer than {max} times; after that it \
         is closed and flagged for the supervisor.\n\n\
         A `{station}` is created in `{accepted}`; a `{deputy}` starts in `{draft}`. \
         `{closed}`, `{withdrawn}` and `{escalated}` are final.\n",
        rate = Action::Rate.as_str(),
        sat = Rating::Satisfied.to_value(),
        basic = Rating::BasicallySatisfied.to_value(),
        dis = Rating::Dissatisfied.to_value(),
        reopen = REOPEN_TO.to_value(),
        max = MAX_REOPENS,
        station = Kind::StationCase.to_value(),
        accepted = State::Accepted.to_value(),
        deputy = Kind::DeputySuggestion.to_value(),
        draft = State::Draft.to_value(),
        closed = State::Closed.to_value(),
        withdrawn = State::Withdrawn.to_value(),
        escalated = State::Escalated.to_value(),
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sea_orm::Iterable;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use std::collections::HashSet;

    use Action::*;
    use Kind::*;
    use Role::*;
    use State::*;

    /// The allowed (kind, from, action, role) quadruples with the plain `to`, written out by hand
    /// from the issue, one role per line, independently of `TABLE`.
    #[rustfmt::skip]
    const ALLOWED: &[(Kind, State, Action, Role, State)] = &[
        (DeputySuggestion, Draft, Submit, Author, Submitted),
        (DeputySuggestion, Draft, Submit, LeadAuthor, Submitted),
        (DeputySuggestion, Submitted, PreReviewPass, Staff, Accepted),
        (DeputySuggestion, Submitted, PreReviewReturn, Staff, Draft),
        (DeputySuggestion, Accepted, Assign, Staff, Assigned),
        (DeputySuggestion, Assigned, Acknowledge, LeadUnit, InProgress),
        (DeputySuggestion, Assigned, DeclineJurisdiction, LeadUnit, Accepted),
        (DeputySuggestion, InProgress, Reply, LeadUnit, Replied),
        (DeputySuggestion, Replied, Rate, LeadAuthor, Closed),
        (DeputySuggestion, Draft, Withdraw, Author, Withdrawn),
        (DeputySuggestion, Draft, Withdraw, LeadAuthor, Withdrawn),
        (DeputySuggestion, Submitted, Withdraw, Author, Withdrawn),
        (DeputySuggestion, Submitted, Withdraw, LeadAuthor, Withdrawn),
        (DeputySuggestion, Accepted, Withdraw, Author, Withdrawn),
        (DeputySuggestion, Accepted, Withdraw, LeadAuthor, Withdrawn),
        (StationCase, Accepted, Assign, Staff, Assigned),
        (StationCase, Assigned, Acknowledge, LeadUnit, InProgress),
        (StationCase, Assigned, DeclineJurisdiction, LeadUnit, Accepted),
        (StationCase, InProgress, Reply, LeadUnit, Replied),
        (StationCase, Replied, Rate, SourceVoter, Closed),
        (StationCase, Accepted, Withdraw, Staff, Withdrawn),
        (StationCase, Accepted, Escalate, Staff, Escalated),
        (StationCase, Assigned, Escalate, Staff, Escalated),
        (StationCase, InProgress, Escalate, Staff, Escalated),
        (StationCase, Replied, Escalate, Staff, Escalated),
    ];

    fn case(kind: Kind, state: State, reopens: u32) -> Case {
        Case {
            kind,
            state,
            reopens,
        }
    }

    fn attempt(action: Action, roles: &[Role], rating: Option<Rating>) -> Attempt<'_> {
        Attempt {
            action,
            roles,
            rating,
        }
    }

    /// All 64 subsets of the roles, the empty one included.
    fn role_subsets() -> Vec<Vec<Role>> {
        (0u32..1 << Role::ALL.len())
            .map(|mask| {
                Role::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, r)| r)
                    .collect()
            })
            .collect()
    }

    fn role_index(r: Role) -> usize {
        Role::ALL.iter().position(|&x| x == r).unwrap()
    }

    /// What the hand-written list says about one request; the rate branches restated from the
    /// issue rather than from `apply`.
    fn expected(c: &Case, a: &Attempt<'_>) -> Result<Outcome, Refusal> {
        let here: Vec<_> = ALLOWED
            .iter()
            .filter(|q| q.0 == c.kind && q.1 == c.state)
            .collect();
        let for_action: Vec<_> = here.iter().filter(|q| q.2 == a.action).collect();
        if for_action.is_empty() {
            let allowed = Action::ALL
                .into_iter()
                .filter(|&act| here.iter().any(|q| q.2 == act))
                .collect();
            return Err(Refusal::NotAllowedHere { allowed });
        }
        let Some(q) = for_action.iter().find(|q| a.roles.contains(&q.3)) else {
            let mut needed: Vec<Role> = for_action.iter().map(|q| q.3).collect();
            needed.sort_by_key(|&r| role_index(r));
            return Err(Refusal::NotYourRole { needed });
        };
        let to = q.4;
        if a.action != Rate {
            return Ok(Outcome {
                to,
                reopened: false,
                flagged_for_supervisor: false,
            });
        }
        match a.rating {
            None => Err(Refusal::RatingRequired),
            Some(Rating::Dissatisfied) if c.reopens < 2 => Ok(Outcome {
                to: InProgress,
                reopened: true,
                flagged_for_supervisor: false,
            }),
            Some(Rating::Dissatisfied) => Ok(Outcome {
                to: Closed,
                reopened: false,
                flagged_for_supervisor: true,
            }),
            Some(_) => Ok(Outcome {
                to: Closed,
                reopened: false,
                flagged_for_supervisor: false,
            }),
        }
    }

    /// `NotYourRole` lists roles in table order; compare as sets in `ALL` order.
    fn normalised(r: Result<Outcome, Refusal>) -> Result<Outcome, Refusal> {
        match r {
            Err(Refusal::NotYourRole { mut needed }) => {
                needed.sort_by_key(|&r| role_index(r));
                Err(Refusal::NotYourRole { needed })
            }
            other => other,
        }
    }

    #[test]
    fn every_request_matches_the_hand_written_list() {
        let ratings = [
            None,
            Some(Rating::Satisfied),
            Some(Rating::BasicallySatisfied),
            Some(Rating::Dissatisfied),
        ];
        let subsets = role_subsets();
        assert_eq!(subsets.len(), 64);
        let mut allowed_seen = HashSet::new();
        for kind in Kind::iter() {
            for state in State::iter() {
                for action in Action::ALL {
                    for roles in &subsets {
                        for rating in ratings {
                            for reopens in 0..=3 {
                                let c = case(kind, state, reopens);
                                let a = attempt(action, roles, rating);
                                let got = normalised(apply(&c, &a));
                                assert_eq!(got, expected(&c, &a), "{c:?} {a:?}");
                                if roles.len() == 1 && got.is_ok() {
                                    allowed_seen.insert((kind, state, action, roles[0]));
                                }
                            }
                        }
                    }
                }
            }
        }
        // And the reverse: each hand-written quadruple was allowed for its single role.
        let listed: HashSet<_> = ALLOWED.iter().map(|q| (q.0, q.1, q.2, q.3)).collect();
        assert_eq!(listed.len(), ALLOWED.len(), "duplicate in ALLOWED");
        assert_eq!(allowed_seen, listed);
    }

    #[test]
    fn table_rows_are_exactly_the_hand_written_list() {
        let mut from_table = HashSet::new();
        for t in table() {
            for &k in t.kinds {
                for &r in t.roles {
                    assert!(
                        from_table.insert((k, t.from, t.action, r, t.to)),
                        "{t:?} repeats a quadruple"
                    );
                }
            }
        }
        let listed: HashSet<_> = ALLOWED.iter().copied().collect();
        assert_eq!(from_table, listed);
    }

    #[test]
    fn table_has_one_row_per_kind_state_action_and_no_empty_lists() {
        let mut keys = HashSet::new();
        for t in TABLE {
            assert!(!t.kinds.is_empty() && !t.roles.is_empty(), "{t:?}");
            assert!(!is_terminal(t.from), "{t:?} leaves a terminal state");
            for &k in t.kinds {
                assert!(keys.insert((k, t.from, t.action)), "{t:?} is ambiguous");
            }
        }
    }

    #[test]
    fn actions_outside_the_table_are_not_allowed_here() {
        let mut refused = 0;
        for kind in Kind::iter() {
            for state in State::iter() {
                let allowed = allowed_actions(kind, state);
                for action in Action::ALL {
                    let listed = ALLOWED
                        .iter()
                        .any(|q| q.0 == kind && q.1 == state && q.2 == action);
                    assert_eq!(
                        allowed.contains(&action),
                        listed,
                        "{kind:?} {state:?} {action:?}"
                    );
                    if listed {
                        continue;
                    }
                    // Even with every role and a rating: the state check comes first.
                    let got = apply(
                        &case(kind, state, 0),
                        &attempt(action, &Role::ALL, Some(Rating::Satisfied)),
                    );
                    assert_eq!(
                        got,
                        Err(Refusal::NotAllowedHere {
                            allowed: allowed.clone()
                        })
                    );
                    refused += 1;
                }
            }
        }
        // 2 kinds x 9 states x 10 actions, minus the 21 (kind, state, action) triples allowed
        // (11 for deputy suggestions, 10 for station cases).
        assert_eq!(refused, 2 * 9 * 10 - 21);
    }

    #[test]
    fn allowed_actions_are_in_declaration_order() {
        assert_eq!(
            allowed_actions(StationCase, Accepted),
            vec![Assign, Withdraw, Escalate]
        );
        assert_eq!(
            allowed_actions(DeputySuggestion, Submitted),
            vec![PreReviewPass, PreReviewReturn, Withdraw]
        );
        assert_eq!(allowed_actions(DeputySuggestion, Replied), vec![Rate]);
        assert_eq!(allowed_actions(StationCase, Replied), vec![Rate, Escalate]);
    }

    #[test]
    fn allowed_action_with_wrong_role_is_not_your_role() {
        for t in TABLE {
            for &kind in t.kinds {
                for wrong in Role::ALL.into_iter().filter(|r| !t.roles.contains(r)) {
                    let got = apply(
                        &case(kind, t.from, 0),
                        // No rating either: the role is checked before the rating.
                        &attempt(t.action, &[wrong], None),
                    );
                    assert_eq!(
                        got,
                        Err(Refusal::NotYourRole {
                            needed: t.roles.to_vec()
                        }),
                        "{kind:?} {t:?} {wrong:?}"
                    );
                }
                let nobody = apply(&case(kind, t.from, 0), &attempt(t.action, &[], None));
                assert!(matches!(nobody, Err(Refusal::NotYourRole { .. })));
            }
        }
    }

    #[test]
    fn wrong_role_examples() {
        // An author who is not the lead author cannot rate; a co-unit cannot reply.
        assert_eq!(
            apply(
                &case(DeputySuggestion, Replied, 0),
                &attempt(Rate, &[Author], Some(Rating::Satisfied))
            ),
            Err(Refusal::NotYourRole {
                needed: vec![LeadAuthor]
            })
        );
        assert_eq!(
            apply(
                &case(StationCase, InProgress, 0),
                &attempt(Reply, &[CoUnit, Staff], None)
            ),
            Err(Refusal::NotYourRole {
                needed: vec![LeadUnit]
            })
        );
        // Staff withdraw station cases, authors withdraw their suggestions, not the other way.
        assert_eq!(
            apply(
                &case(DeputySuggestion, Accepted, 0),
                &attempt(Withdraw, &[Staff], None)
            ),
            Err(Refusal::NotYourRole {
                needed: vec![Author, LeadAuthor]
            })
        );
        assert_eq!(
            apply(
                &case(StationCase, Accepted, 0),
                &attempt(Withdraw, &[Author], None)
            ),
            Err(Refusal::NotYourRole {
                needed: vec![Staff]
            })
        );
    }

    #[test]
    fn rate_satisfied_or_basically_satisfied_closes() {
        for (kind, rater) in [(DeputySuggestion, LeadAuthor), (StationCase, SourceVoter)] {
            for rating in [Rating::Satisfied, Rating::BasicallySatisfied] {
                for reopens in 0..=MAX_REOPENS + 1 {
                    let got = apply(
                        &case(kind, Replied, reopens),
                        &attempt(Rate, &[rater], Some(rating)),
                    );
                    assert_eq!(
                        got,
                        Ok(Outcome {
                            to: Closed,
                            reopened: false,
                            flagged_for_supervisor: false
                        })
                    );
                }
            }
        }
    }

    #[test]
    fn rate_dissatisfied_reopens_twice_then_closes_flagged() {
        assert_eq!(MAX_REOPENS, 2);
        for (kind, rater) in [(DeputySuggestion, LeadAuthor), (StationCase, SourceVoter)] {
            let dissatisfied = |reopens| {
                apply(
                    &case(kind, Replied, reopens),
                    &attempt(Rate, &[rater], Some(Rating::Dissatisfied)),
                )
            };
            let reopen = Ok(Outcome {
                to: InProgress,
                reopened: true,
                flagged_for_supervisor: false,
            });
            let flagged = Ok(Outcome {
                to: Closed,
                reopened: false,
                flagged_for_supervisor: true,
            });
            assert_eq!(dissatisfied(0), reopen);
            assert_eq!(dissatisfied(1), reopen);
            assert_eq!(dissatisfied(2), flagged, "the third dissatisfied rating");
            assert_eq!(
                dissatisfied(7),
                flagged,
                "a count past the limit still ends it"
            );
        }
    }

    #[test]
    fn rate_without_rating_is_rating_required() {
        assert_eq!(
            apply(
                &case(DeputySuggestion, Replied, 0),
                &attempt(Rate, &[LeadAuthor], None)
            ),
            Err(Refusal::RatingRequired)
        );
        assert_eq!(
            apply(
                &case(StationCase, Replied, 1),
                &attempt(Rate, &[SourceVoter], None)
            ),
            Err(Refusal::RatingRequired)
        );
        // The state check and the role check come before the rating check.
        assert!(matches!(
            apply(
                &case(StationCase, InProgress, 0),
                &attempt(Rate, &[SourceVoter], None)
            ),
            Err(Refusal::NotAllowedHere { .. })
        ));
        assert!(matches!(
            apply(
                &case(StationCase, Replied, 0),
                &attempt(Rate, &[Staff], None)
            ),
            Err(Refusal::NotYourRole { .. })
        ));
    }

    #[test]
    fn a_dissatisfied_loop_of_the_lead_author() {
        // The full walk of a deputy suggestion that is never satisfied.
        let lead = &[Author, LeadAuthor][..];
        let mut c = case(DeputySuggestion, Draft, 0);
        let step = |c: &mut Case, action, roles: &[Role], rating| {
            let out = apply(c, &attempt(action, roles, rating)).unwrap();
            c.state = out.to;
            c.reopens += u32::from(out.reopened);
            out
        };
        step(&mut c, Submit, lead, None);
        step(&mut c, PreReviewPass, &[Staff], None);
        step(&mut c, Assign, &[Staff], None);
        step(&mut c, Acknowledge, &[LeadUnit], None);
        for round in 0..MAX_REOPENS {
            step(&mut c, Reply, &[LeadUnit], None);
            let out = step(&mut c, Rate, lead, Some(Rating::Dissatisfied));
            assert!(out.reopened, "round {round}");
            assert_eq!(c.state, InProgress);
        }
        step(&mut c, Reply, &[LeadUnit], None);
        let out = step(&mut c, Rate, lead, Some(Rating::Dissatisfied));
        assert!(out.flagged_for_supervisor);
        assert_eq!((c.state, c.reopens), (Closed, MAX_REOPENS));
    }

    #[test]
    fn terminal_states_allow_nothing() {
        let terminal: Vec<State> = State::iter().filter(|&s| is_terminal(s)).collect();
        assert_eq!(terminal, vec![Closed, Withdrawn, Escalated]);
        for kind in Kind::iter() {
            for state in terminal.iter().copied() {
                assert!(allowed_actions(kind, state).is_empty());
                for action in Action::ALL {
                    assert_eq!(
                        apply(
                            &case(kind, state, 0),
                            &attempt(action, &Role::ALL, Some(Rating::Satisfied))
                        ),
                        Err(Refusal::NotAllowedHere { allowed: vec![] })
                    );
                }
            }
        }
    }

    #[test]
    fn station_cases_skip_authoring_and_deputy_suggestions_never_escalate() {
        for state in State::iter() {
            for action in [Submit, PreReviewPass, PreReviewReturn] {
                assert!(
                    matches!(
                        apply(
                            &case(StationCase, state, 0),
                            &attempt(action, &Role::ALL, None)
                        ),
                        Err(Refusal::NotAllowedHere { .. })
                    ),
                    "{state:?} {action:?}"
                );
            }
            assert!(matches!(
                apply(
                    &case(DeputySuggestion, state, 0),
                    &attempt(Escalate, &Role::ALL, None)
                ),
                Err(Refusal::NotAllowedHere { .. })
            ));
        }
        // A station case never rests in draft or submitted, so nothing is listed there.
        assert!(allowed_actions(StationCase, Draft).is_empty());
        assert!(allowed_actions(StationCase, Submitted).is_empty());
    }

    #[test]
    fn withdraw_only_before_assignment() {
        for kind in Kind::iter() {
            for state in State::iter() {
                let can = allowed_actions(kind, state).contains(&Withdraw);
                let before = match kind {
                    DeputySuggestion => matches!(state, Draft | Submitted | Accepted),
                    StationCase => state == Accepted,
                };
                assert_eq!(can, before, "{kind:?} {state:?}");
            }
        }
    }

    #[test]
    fn reachable_states_per_kind() {
        // Breadth-first from where each kind starts, with every role and every rating.
        for (kind, start, unreachable) in [
            (DeputySuggestion, Draft, vec![Escalated]),
            (StationCase, Accepted, vec![Draft, Submitted]),
        ] {
            let mut seen = HashSet::from([start]);
            let mut queue = vec![start];
            while let Some(s) = queue.pop() {
                for action in Action::ALL {
                    for rating in Rating::iter() {
                        for reopens in 0..=MAX_REOPENS {
                            if let Ok(o) = apply(
                                &case(kind, s, reopens),
                                &attempt(action, &Role::ALL, Some(rating)),
                            ) && seen.insert(o.to)
                            {
                                queue.push(o.to);
                            }
                        }
                    }
                }
            }
            let expected: HashSet<State> =
                State::iter().filter(|s| !unreachable.contains(s)).collect();
            assert_eq!(seen, expected, "{kind:?}");
        }
    }

    #[test]
    fn as_str_is_the_serde_name() {
        fn de<T: serde::de::DeserializeOwned>(s: &'static str) -> T {
            let d: StrDeserializer<'_, DeError> = s.into_deserializer();
            T::deserialize(d).unwrap()
        }
        for a in Action::ALL {
            assert_eq!(de::<Action>(a.as_str()), a);
        }
        for r in Role::ALL {
            assert_eq!(de::<Role>(r.as_str()), r);
        }
        // ALL lists each variant once.
        assert_eq!(
            Action::ALL
                .iter()
                .map(|a| a.as_str())
                .collect::<HashSet<_>>()
                .len(),
            10
        );
        assert_eq!(
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<HashSet<_>>()
                .len(),
            6
        );
    }

    #[test]
    fn handling_and_satisfied_are_what_the_rules_say() {
        // A unit holds the case exactly between acknowledging-or-declining and replying.
        let handled: Vec<State> = State::iter()
            .filter(|&s| {
                allowed_actions(Kind::StationCase, s)
                    .iter()
                    .any(|&a| matches!(a, Acknowledge | Reply))
            })
            .collect();
        assert_eq!(handled, HANDLING.to_vec());
        // The satisfied ratings are the ones that close a replied case without a flag.
        let closing: Vec<Rating> = Rating::iter()
            .filter(|&r| {
                apply(
                    &case(DeputySuggestion, Replied, MAX_REOPENS),
                    &attempt(Rate, &[LeadAuthor], Some(r)),
                ) == Ok(Outcome {
                    to: Closed,
                    reopened: false,
                    flagged_for_supervisor: false,
                })
            })
            .collect();
        assert_eq!(closing, SATISFIED.to_vec());
    }

    #[test]
    fn markdown_table_has_header_and_every_action() {
        let md = markdown_table();
        let mut lines = md.lines();
        assert_eq!(lines.next(), Some("| kinds | from | action | to | roles |"));
        assert_eq!(lines.next(), Some("|---|---|---|---|---|"));
        for action in Action::ALL {
            assert!(
                md.contains(&format!("| `{}` |", action.as_str())),
                "{action:?}"
            );
        }
        // One line per row, each with the five cells.
        let rows: Vec<&str> = md
            .lines()
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(rows.len(), TABLE.len());
        assert!(rows.iter().all(|l| l.matches(" | ").count() == 4));
        assert!(md.contains("| `station_case` | `replied` | `rate` | `closed` or `in_progress` (*) | `source_voter` |"));
        assert!(md.contains("(*) `rate`"));
    }

    #[test]
    fn action_comment_requirement() {
        let needing: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| a.requires_comment())
            .collect();
        assert_eq!(needing, vec![PreReviewReturn, DeclineJurisdiction]);
    }

    fn any_attempt() -> impl Strategy<Value = (Action, Vec<Role>, Option<Rating>)> {
        (
            prop::sample::select(Action::ALL.to_vec()),
            prop::sample::subsequence(Role::ALL.to_vec(), 0..=Role::ALL.len()),
            prop::option::of(prop::sample::select(Rating::iter().collect::<Vec<_>>())),
        )
    }

    proptest! {
        /// A random walk of requests never reopens past the limit, only moves along allowed
        /// actions, flags only on the last dissatisfied rating, and stops dead in a final state.
        #[test]
        fn random_walks_keep_the_loop_closed(
            deputy in any::<bool>(),
            steps in prop::collection::vec(any_attempt(), 0..60),
        ) {
            let kind = if deputy { DeputySuggestion } else { StationCase };
            let start = if deputy { Draft } else { Accepted };
            let mut c = case(kind, start, 0);
            for (action, roles, rating) in steps {
                let before = c;
                match apply(&c, &attempt(action, &roles, rating)) {
                    Ok(o) => {
                        prop_assert!(!is_terminal(before.state));
                        prop_assert!(allowed_actions(kind, before.state).contains(&action));
                        prop_assert!(!o.reopened || (action == Rate && o.to == InProgress));
                        prop_assert!(
                            !o.flagged_for_supervisor
                                || (before.reopens == MAX_REOPENS
                                    && rating == Some(Rating::Dissatisfied)
                                    && o.to == Closed)
                        );
                        c.state = o.to;
                        c.reopens += u32::from(o.reopened);
                    }
                    Err(Refusal::NotAllowedHere { allowed }) => {
                        prop_assert!(!allowed.contains(&action));
                    }
                    Err(_) => prop_assert!(!is_terminal(before.state)),
                }
                prop_assert!(c.reopens <= MAX_REOPENS);
            }
        }
    }
}
