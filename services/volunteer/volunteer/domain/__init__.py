"""Pure domain layer of the volunteer service: no Flask, no session, no clock.

Modules:
- ``volunteers``: Skill, AvailabilityWindow, Team, Volunteer (roster, availability, reliability)
- ``tasks``: TaskType and its required-skills table, the task state machine, offers,
  check-in/out and eligibility of a volunteer for a task
- ``matching``: the pure ranking of candidates for a task, with reasons
- ``hours``: the service-hours ledger (志愿服务记录)
- ``events``: the domain events a task appends to ``events`` (mapped at commit)
"""
