"""Every register of SPEC §1 as a SQLAlchemy model."""
from .accounts import ApiToken, Card, Enterprise, User, UserSession, WatchListEntry  # noqa: F401
from .base import Model  # noqa: F401
from .collection import (BondedBook, BondedBookItem, ChangeRequest, CollectionFiling, FilingRequest,  # noqa: F401
                         Licence, LicenceGood, ListHead, ListItem, Manifest, Product, ProductVolume)
from .declaration import (AggregationRequest, ConsolidationMapping, Declaration, DeclarationItem)  # noqa: F401
from .qualification import (Application, Attachment, Certificate, DeclarationPerson, ExternalLicense,  # noqa: F401
                            Investor, ManagementPerson, Qualification, Receipt)
from .reference import (AgentQualificationRule, CatalogCategory, CatalogItem, CatalogService,  # noqa: F401
                        CodeEntry, QualificationDependency, QualificationExclusion)
from .messages import CustomsMessage, SigningKey  # noqa: F401
from .system import AuditLog, JobRun, NumberSequence, SchedulerLease, Setting  # noqa: F401
from .search import name_gram_positions, name_grams  # noqa: F401
