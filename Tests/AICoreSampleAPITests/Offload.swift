import AICoreTestSupport
import Dispatch

