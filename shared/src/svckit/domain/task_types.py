"""The kinds of volunteer task the platform's events carry, and what each is called.

One map for every place a person reads a task's kind: the volunteer service's API and
certificates, notify's messages and the console's forms (the event catalogue's
``task_type`` takes its values from here).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: task type -> (Chinese, English)
TASK_TYPE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "deliver_device": ("送辅具上门", "Deliver a device"),
    "pickup_device": ("上门回收辅具", "Collect a device"),
    "accompany_assessment": ("陪同入户评估", "Accompany an assessment"),
    "acceptance_visit": ("改造验收回访", "Renovation acceptance visit"),
    "satisfaction_visit": ("满意度回访", "Satisfaction visit"),
    "overdue_call": ("逾期电话回访", "Overdue rental call"),
    "manual": ("协调员派发任务", "Task raised by a coordinator"),
})
