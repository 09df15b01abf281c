//! The reminders of a reception session (DOMAIN.md, "Reception days"):
//!
//! - 7 days before, to the station's staff: confirm the roster with the deputies (inbox);
//! - 3 days before, to each deputy on duty: an SMS (the inbox of their account if they have no
//!   phone on file);
//! - 1 day before, a reminder to each deputy on duty (SMS, else inbox) and to each voter who
//!   booked (inbox, and SMS when they left a phone).
//!
//! [`reschedule`] recomputes them from the session as it is now and syncs the outbox: called on
//! publication, on every roster or time change, on bookings and on cancellation. The time is in
//! each message's key, so moving a session sends its reminders again for the new time, while an
//! unchanged session never sends one twice. A reminder whose time has passed when the session is
//! published goes out at once, except a 3-day SMS already overtaken by the 1-day reminder.

use chrono::{DateTime, Datelike, Duration, Utc};
use entity::appointment::{self, AppointmentStatus};
use entity::notification::Channel;
use entity::reception::{self, ReceptionStatus};
use entity::{deputy, reception_duty, station, station_staff};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

use super::outbox::{self, Message};
use crate::domain::local_time::{format_minute, minute_of};

pub const CONFIRM_ROSTER: &str = "reception.confirm_roster";
pub const DUTY_SMS: &str = "reception.duty_sms";
pub const DUTY_REMINDER: &str = "reception.duty_reminder";
pub const VISIT_REMINDER: &str = "reception.visit_reminder";
pub const CANCELLED: &str = "reception.cancelled";

/// Every template [`reschedule`] manages.
const REMINDERS: [&str; 4] = [CONFIRM_ROSTER, DUTY_SMS, DUTY_REMINDER, VISIT_REMINDER];

/// What the texts say about a session.
struct Facts {
    station: String,
    date: String,
    hours: String,
    place: String,
    data: serde_json::Value,
}

fn facts(reception: &reception::Model, station: &station::Model) -> Facts {
    let weekday = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [reception.day.weekday().num_days_from_monday() as usize];
    let hours = format!(
        "{}-{}",
        format_minute(minute_of(reception.day, reception.starts_at)),
        format_minute(minute_of(reception.day, reception.ends_at))
    );
    Facts {
        station: station.name.clone(),
        date: format!("{}（{weekday}）", reception.day.format("%Y年%-m月%-d日")),
        hours: hours.clone(),
        place: reception.place.clone(),
        data: json!({
            "reception_id": reception.id,
            "station_id": station.id,
            "station_name": station.name,
            "date": reception.day,
            "hours": hours,
            "place": reception.place,
            "starts_at": reception.starts_at,
        }),
    }
}

/// Everything a session's messages are made from.
struct Audience {
    reception: reception::Model,
    facts: Facts,
    deputies: Vec<deputy::Model>,
    staff: Vec<Uuid>,
    bookings: Vec<appointment::Model>,
}

async fn audience(
    db: &impl ConnectionTrait,
    reception_id: Uuid,
) -> Result<Option<Audience>, DbErr> {
    let Some((reception, Some(station))) = reception::Entity::find_by_id(reception_id)
        .find_also_related(station::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let deputies = reception_duty::Entity::find()
        .filter(reception_duty::Column::ReceptionId.eq(reception_id))
        .find_also_related(deputy::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, d)| d)
        .collect();
    let staff = station_staff::Entity::find()
        .filter(station_staff::Column::StationId.eq(station.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    let bookings = appointment::Entity::find()
        .filter(appointment::Column::ReceptionId.eq(reception_id))
        .filter(appointment::Column::Status.eq(AppointmentStatus::Booked))
        .order_by_asc(appointment::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(Some(Audience {
        facts: facts(&reception, &station),
        reception,
        deputies,
        staff,
        bookings,
    }))
}

fn key(reception: &reception::Model, template: &str, channel: Channel, recipient: &str) -> String {
    let channel = match channel {
        Channel::Sms => "sms",
        Channel::Inbox => "inbox",
    };
    format!(
        "reception:{}:{template}:{channel}:{recipient}:{}",
        reception.id,
        reception.starts_at.timestamp()
    )
}

struct Draft<'a> {
    template: &'static str,
    title: String,
    body: String,
    due_at: DateTime<Utc>,
    audience: &'a Audience,
}

impl Draft<'_> {
    fn to(&self, channel: Channel, user: Option<Uuid>, phone: Option<&str>, who: &str) -> Message {
        let reception = &self.audience.reception;
        Message {
            dedupe_key: key(reception, self.template, channel, who),
            recipient_user_id: user,
            address: phone.map(str::to_owned),
            channel,
            template: self.template,
            title: self.title.clone(),
            body: self.body.clone(),
            data: self.audience.facts.data.clone(),
            subject_type: "reception",
            subject_id: reception.id,
            due_at: self.due_at,
        }
    }

    /// To a deputy: by SMS when they have a phone, else in their account's inbox, else nothing.
    fn to_deputy(&self, deputy: &deputy::Model) -> Option<Message> {
        let who = deputy.id.to_string();
        match (&deputy.phone, deputy.user_id) {
            (Some(phone), user) => Some(self.to(Channel::Sms, user, Some(phone), &who)),
            (None, Some(user)) => Some(self.to(Channel::Inbox, Some(user), None, &who)),
            (None, None) => None,
        }
    }
}

/// The reminders `audience` should get, as of `now`.
fn wanted(a: &Audience, now: DateTime<Utc>) -> Vec<Message> {
    let r = &a.reception;
    if r.status != ReceptionStatus::Published || now >= r.starts_at {
        return Vec::new();
    }
    let f = &a.facts;
    let due = |days: i64| (r.starts_at - Duration::days(days)).max(now);
    let one_day_passed = r.starts_at - Duration::days(1) <= now;
    let names = a
        .deputies
        .iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let mut out = Vec::new();

    let confirm = Draft {
        template: CONFIRM_ROSTER,
        title: "接待日值班安排待确认".into(),
        body: format!(
            "{}将于{} {}在{}举行代表接待日，值班代表：{names}。请与值班代表确认安排。",
            f.station, f.date, f.hours, f.place
        ),
        due_at: due(7),
        audience: a,
    };
    out.extend(
        a.staff
            .iter()
            .map(|u| confirm.to(Channel::Inbox, Some(*u), None, &u.to_string())),
    );

    if !one_day_passed {
        for d in &a.deputies {
            let sms = Draft {
                template: DUTY_SMS,
                title: "代表接待日值班通知".into(),
                body: format!(
                    "【代表联络站】{}代表：您将于{} {}在{}（{}）值班接待选民，请安排好时间。",
                    d.name, f.date, f.hours, f.station, f.place
                ),
                due_at: due(3),
                audience: a,
            };
            out.extend(sms.to_deputy(d));
        }
    }
    for d in &a.deputies {
        let reminder = Draft {
            template: DUTY_REMINDER,
            title: "代表接待日值班提醒".into(),
            body: format!(
                "【代表联络站】{}代表：提醒您{} {}在{}值班接待选民，请准时到站签到。",
                d.name, f.date, f.hours, f.station
            ),
            due_at: due(1),
            audience: a,
        };
        out.extend(reminder.to_deputy(d));
    }
    for b in &a.bookings {
        let visit = Draft {
            template: VISIT_REMINDER,
            title: "接待日预约提醒".into(),
            body: format!(
                "您预约的{}代表接待日将于{} {}在{}举行，预约事项：{}。",
                f.station, f.date, f.hours, f.place, b.topic
            ),
            due_at: due(1),
            audience: a,
        };
        let who = b.id.to_string();
        out.push(visit.to(Channel::Inbox, Some(b.voter_id), None, &who));
        if let Some(phone) = &b.phone {
            out.push(visit.to(Channel::Sms, Some(b.voter_id), Some(phone), &who));
        }
    }
    out
}

/// Brings the reminders of `reception_id` in line with the session as it is now.
pub async fn reschedule(db: &impl ConnectionTrait, reception_id: Uuid) -> Result<(), DbErr> {
    let Some(audience) = audience(db, reception_id).await? else {
        return Ok(());
    };
    let wanted = wanted(&audience, crate::clock::now());
    outbox::sync(db, reception_id, &REMINDERS, &wanted).await?;
    Ok(())
}

/// Tells the voters who had booked `reception_id` (given as `cancelled_bookings`) and the
/// deputies on duty that the session was cancelled, at once.
pub async fn announce_cancellation(
    db: &impl ConnectionTrait,
    reception_id: Uuid,
    cancelled_bookings: &[appointment::Model],
) -> Result<(), DbErr> {
    let Some(a) = audience(db, reception_id).await? else {
        return Ok(());
    };
    let f = &a.facts;
    let reason = a.reception.cancel_reason.clone().unwrap_or_default();
    let notice = Draft {
        template: CANCELLED,
        title: "代表接待日已取消".into(),
        body: format!(
            "{}原定于{} {}的代表接待日已取消。原因：{reason}。",
            f.station, f.date, f.hours
        ),
        due_at: crate::clock::now(),
        audience: &a,
    };
    for b in cancelled_bookings {
        let who = b.id.to_string();
        outbox::enqueue(db, &notice.to(Channel::Inbox, Some(b.voter_id), None, &who)).await?;
        if let Some(phone) = &b.phone {
            outbox::enqueue(
                db,
                &notice.to(Channel::Sms, Some(b.voter_id), Some(phone), &who),
            )
            .await?;
        }
    }
    for d in &a.deputies {
        if let Some(message) = notice.to_deputy(d) {
            outbox::enqueue(db, &message).await?;
        }
    }
    Ok(())
}
