import './base.css';
import './viewer.css';
import './templates.css';
